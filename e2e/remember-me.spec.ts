// Journey 25: "Keep me signed in on this device" across a browser restart.
// A restart is a new context with the saved state minus what a browser drops
// when it closes: cookies without an expiry date (browser-session cookies).
import type { BrowserContext } from '@playwright/test';
import { expect, test } from './fixtures.js';
import { DashboardPage } from './pages/dashboard-page.js';

/** The state a browser keeps across a restart: persistent cookies only. */
async function stateAfterRestart(context: BrowserContext) {
  const state = await context.storageState();
  return { ...state, cookies: state.cookies.filter((cookie) => cookie.expires !== -1) };
}

for (const keepSignedIn of [true, false]) {
  test(`${keepSignedIn ? 'ticked' : 'unticked'}: ${keepSignedIn ? 'still' : 'no longer'} signed in after the browser restarts`, async ({
    browser,
    baseURL,
    page,
    loginPage,
    dashboardPage,
    registeredUser,
  }) => {
    await loginPage.goto();
    await loginPage.login(registeredUser.username, registeredUser.password, { keepSignedIn });
    await expect(page).toHaveURL('/dashboard');
    // the inspector says which kind of cookie this is
    await expect(dashboardPage.cookieExpires).toContainText(keepSignedIn ? 'a persistent cookie' : 'a browser-session cookie');

    const restarted = await browser.newContext({ baseURL, storageState: await stateAfterRestart(page.context()) });
    try {
      const again = await restarted.newPage();
      await again.goto('/dashboard');
      if (keepSignedIn) {
        await expect(new DashboardPage(again).heading).toHaveText(`Hello, ${registeredUser.username}`);
      } else {
        await expect(again).toHaveURL('/login?next=/dashboard');
      }
    } finally {
      await restarted.close();
    }
  });
}
