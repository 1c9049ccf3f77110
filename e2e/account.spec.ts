// Journey 13: the account lifecycle in the browser: change password, delete account, demo mode.
// Journey 26: sudo mode: past REAUTH_WINDOW, deleting the account asks for the password once.
import { expect, test } from './fixtures.js';
import { ChangePasswordPage } from './pages/account-pages.js';
import { DashboardPage } from './pages/dashboard-page.js';
import { startInstance } from './support/app-process.js';

test('changing the password in one browser signs the other one out', async ({ loggedInBrowsers, registeredUser }) => {
  const [here, there] = await loggedInBrowsers(2);
  if (!here || !there) throw new Error('no pages');

  await here.getByRole('link', { name: 'Change your password' }).click();
  const change = new ChangePasswordPage(here);
  await change.change(registeredUser.password, 'a completely new passphrase');
  // the other browser (the fixture's registration logged itself out)
  await expect(change.status).toHaveText('Your password has been changed, and 1 other session was signed out.');
  await here.goto('/dashboard');
  await expect(new DashboardPage(here).heading).toHaveText(`Hello, ${registeredUser.username}`);

  await there.reload();
  await expect(there).toHaveURL('/login?next=/dashboard');
  await expect(there.getByRole('status')).toHaveText('You were signed out (on another device, or your session ended).');
  // said once: the login form's new session replaced the old cookie
  await there.reload();
  await expect(there.getByRole('status')).toHaveCount(0);
});

test('a deleted account cannot log in again', async ({ page, loginPage, dashboardPage, deleteAccountPage, loggedInUser }) => {
  await dashboardPage.goto();
  await page.getByRole('link', { name: 'Delete your account' }).click();
  await deleteAccountPage.deleteAccount();
  await expect(page).toHaveURL('/?notice=account-deleted');
  await expect(page.getByRole('status')).toContainText('Your account and all its sessions have been deleted');

  await loginPage.goto();
  await loginPage.login(loggedInUser.username, loggedInUser.password);
  await expect(loginPage.error).toHaveText('Invalid username or password');
});

test('the demo banner shows only in demo mode', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('note')).toHaveCount(0);
  const demo = await startInstance({ env: { DEMO_MODE: 'true', DEMO_ACCOUNT_TTL: '24h' } });
  try {
    await page.goto(demo.url);
    await expect(page.getByRole('note')).toHaveText(/This is a public demo\. Accounts are deleted 1 day after they are created/);
  } finally {
    await demo.stop();
  }
});

test('sudo mode: an older login confirms its password once, then deletes', async ({ page, dashboardPage, confirmPage, deleteAccountPage, loggedInUser }) => {
  test.setTimeout(60_000);
  // the same database and cookies (same host), with a 2-second window
  const strict = await startInstance({ env: { REAUTH_WINDOW: '2s' } });
  try {
    await page.goto(`${strict.url}/dashboard`);
    await expect(dashboardPage.heading).toBeVisible();
    // the login is older than the window now
    await page.waitForTimeout(2500);
    await page.getByRole('link', { name: 'Delete your account' }).click();
    await expect(confirmPage.heading).toBeVisible();
    await expect(page).toHaveURL(`${strict.url}/account/confirm?next=/account/delete`);
    await confirmPage.confirmWith('not the password');
    await expect(confirmPage.password).toHaveAccessibleDescription(/That is not your password/);
    await confirmPage.confirmWith(loggedInUser.password);
    await expect(page).toHaveURL(`${strict.url}/account/delete`);
    await deleteAccountPage.deleteAccount();
    await expect(page).toHaveURL(`${strict.url}/?notice=account-deleted`);
  } finally {
    await strict.stop();
  }
});
