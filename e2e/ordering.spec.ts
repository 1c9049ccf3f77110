// Journey 8: the ordering lesson. With a session store slowed down on purpose
// (SESSION_STORE_DELAY_MS of tools/instrumented-server.ts; the production
// server has no such setting), login still lands on a
// dashboard that knows the user, every time: the redirect waits for the save.
import { expect, test } from './fixtures.js';
import { DashboardPage } from './pages/dashboard-page.js';
import { LoginPage } from './pages/login-page.js';
import { startInstance } from './support/app-process.js';

test('login with a slow session store always lands logged in', async ({ page, registeredUser }) => {
  // starts app processes of its own: generous on a busy two-core machine
  test.setTimeout(120_000);
  const slow = await startInstance({ instrumented: true, env: { SESSION_STORE_DELAY_MS: '400' } });
  try {
    const login = new LoginPage(page);
    const dashboard = new DashboardPage(page);
    for (let run = 1; run <= 5; run += 1) {
      await page.goto(`${slow.url}/login`);
      await login.login(registeredUser.username, registeredUser.password);
      await expect(page, `run ${run}`).toHaveURL(`${slow.url}/dashboard`);
      await expect(dashboard.heading).toHaveText(`Hello, ${registeredUser.username}`);
      await expect(dashboard.visitCount).toHaveText('1');
      await page.reload();
      await expect(dashboard.visitCount).toHaveText('2');
      await dashboard.logout();
      await expect(page).toHaveURL(`${slow.url}/?notice=signed-out`);
    }
  } finally {
    await slow.stop();
  }
});
