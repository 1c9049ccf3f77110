// Journey 7: sessions live in MongoDB, not in a process. A session made on
// one instance works on another, and survives a restart of the first.
import { expect, test } from './fixtures.js';
import { DashboardPage } from './pages/dashboard-page.js';
import { LoginPage } from './pages/login-page.js';
import { startInstance } from './support/app-process.js';

test('a session works on a second instance and survives a restart', async ({ page, registeredUser }) => {
  // starts app processes of its own: generous on a busy two-core machine
  test.setTimeout(120_000);
  const a = await startInstance();
  const b = await startInstance();
  try {
    const login = new LoginPage(page);
    const dashboard = new DashboardPage(page);
    await page.goto(`${a.url}/login`);
    await login.login(registeredUser.username, registeredUser.password);
    await expect(page).toHaveURL(`${a.url}/dashboard`);
    await expect(dashboard.visitCount).toHaveText('1');

    // cookies belong to the host, not the port: the browser shows B the same ticket
    await page.goto(`${b.url}/dashboard`);
    await expect(dashboard.heading).toHaveText(`Hello, ${registeredUser.username}`);
    await expect(dashboard.visitCount).toHaveText('2');

    await a.stop();
    const restarted = await startInstance({ port: a.port });
    try {
      await page.goto(`${restarted.url}/dashboard`);
      await expect(dashboard.visitCount).toHaveText('3');
    } finally {
      await restarted.stop();
    }
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});
