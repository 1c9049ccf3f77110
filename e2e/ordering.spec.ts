// Journey 8: the ordering lesson. With a session store slowed down on purpose
// (SESSION_STORE_DELAY_MS of tools/instrumented-server.ts; the production
// server has no such setting), login still lands on a
// dashboard that knows the user, every time: the redirect waits for the save.
import { expect, test } from './fixtures.js';
import { startInstance } from './support/app-process.js';

test('login with a slow session store always lands logged in', async ({ page, loginPage, dashboardPage, registeredUser }) => {
  // starts app processes of its own: generous on a busy two-core machine
  test.setTimeout(120_000);
  const slow = await startInstance({ instrumented: true, env: { SESSION_STORE_DELAY_MS: '400' } });
  try {
    for (let run = 1; run <= 5; run += 1) {
      await page.goto(`${slow.url}/login`);
      await loginPage.login(registeredUser.username, registeredUser.password);
      await expect(page, `run ${run}`).toHaveURL(`${slow.url}/dashboard`);
      await expect(dashboardPage.heading).toHaveText(`Hello, ${registeredUser.username}`);
      await expect(dashboardPage.visitCount).toHaveText('1');
      await page.reload();
      await expect(dashboardPage.visitCount).toHaveText('2');
      await dashboardPage.logout();
      await expect(page).toHaveURL(`${slow.url}/?notice=signed-out`);
    }
  } finally {
    await slow.stop();
  }
});
