// Journey 7: sessions live in MongoDB, not in a process. A session made on
// one instance works on another, and survives a restart of the first.
import { expect, test } from './fixtures.js';
import { startInstance } from './support/app-process.js';

test('a session works on a second instance and survives a restart', async ({ page, loginPage, dashboardPage, registeredUser }) => {
  // starts app processes of its own: generous on a busy two-core machine
  test.setTimeout(120_000);
  const a = await startInstance();
  const b = await startInstance();
  try {
    await page.goto(`${a.url}/login`);
    await loginPage.login(registeredUser.username, registeredUser.password);
    await expect(page).toHaveURL(`${a.url}/dashboard`);
    await expect(dashboardPage.visitCount).toHaveText('1');

    // cookies belong to the host, not the port: the browser shows B the same ticket
    await page.goto(`${b.url}/dashboard`);
    await expect(dashboardPage.heading).toHaveText(`Hello, ${registeredUser.username}`);
    await expect(dashboardPage.visitCount).toHaveText('2');

    await a.stop();
    const restarted = await startInstance({ port: a.port });
    try {
      await page.goto(`${restarted.url}/dashboard`);
      await expect(dashboardPage.visitCount).toHaveText('3');
    } finally {
      await restarted.stop();
    }
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});
