// Journey 23: forgot password: ask for a link, read the mail in the local mail
// catcher, follow it, choose a new password; the other browser is signed out,
// and the new password logs in.
// Journey 24: add an email address on the account page and confirm it through
// the link mailed to it (its page's "Confirm this address" button).
import { expect, test } from './fixtures.js';
import { DashboardPage } from './pages/dashboard-page.js';
import { LoginPage } from './pages/login-page.js';
import { registerWithConfirmedAddress } from './pages/mail-pages.js';

const address = (username: string) => `${username.toLowerCase()}@example.test`;

test('forgot password: the mailed link sets a new password, signs every browser out, and the new password logs in', async ({
  page,
  browser,
  baseURL,
  registerPage,
  loginPage,
  forgotPasswordPage,
  resetPasswordPage,
  mailCatcherPage,
  newUser,
}) => {
  test.setTimeout(90_000);
  const email = address(newUser.username);
  // an account with a confirmed address, made in this browser
  await registerWithConfirmedAddress(registerPage, mailCatcherPage, newUser, email);

  // another browser, logged in
  const other = await browser.newContext({ baseURL });
  const there = await other.newPage();
  const otherLogin = new LoginPage(there);
  await otherLogin.goto();
  await otherLogin.login(newUser.username, newUser.password);
  await expect(there).toHaveURL('/dashboard');

  // this browser forgets the password
  await page.getByRole('button', { name: 'Log out' }).click();
  await loginPage.goto();
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await forgotPasswordPage.ask(email);
  await expect(page).toHaveURL('/forgot-password/sent');
  await expect(page.getByRole('heading', { name: 'Check your email' })).toBeVisible();

  await mailCatcherPage.follow(email, 'Reset your Cloakroom password', '/reset-password');
  // the token is gone from the address bar
  await expect(page).toHaveURL('/reset-password');
  await expect(resetPasswordPage.heading).toBeVisible();
  const newPassword = 'a passphrase chosen after a reset';
  await resetPasswordPage.choose(newPassword);
  await expect(page).toHaveURL('/login?notice=password-reset');
  await expect(page.getByRole('status')).toContainText('Your password has been changed, and every session of your account was signed out.');

  // the other browser is signed out
  await there.reload();
  await expect(there).toHaveURL('/login?next=/dashboard');
  await other.close();

  // the old password no longer works, the new one does
  await loginPage.login(newUser.username, newUser.password);
  await expect(loginPage.error).toHaveText('Invalid username or password');
  await loginPage.login(newUser.username, newPassword);
  await expect(page).toHaveURL('/dashboard');
  await expect(new DashboardPage(page).heading).toHaveText(`Hello, ${newUser.username}`);

  // and the mail said so
  await mailCatcherPage.mail(email, 'Your Cloakroom password was changed');
  // the link works once
  await mailCatcherPage.follow(email, 'Reset your Cloakroom password', '/reset-password');
  await expect(page.getByRole('heading', { name: 'This link no longer works' })).toBeVisible();
});

test('an email address added on the account page is confirmed through the mailed link\'s page', async ({ page, dashboardPage, accountEmailPage, mailCatcherPage, loggedInUser }) => {
  const email = address(loggedInUser.username);
  await dashboardPage.goto();
  await page.getByRole('link', { name: 'Your email address' }).click();
  await expect(accountEmailPage.confirmed).toHaveText('none');
  await accountEmailPage.add(email);
  await expect(accountEmailPage.status).toContainText('We have sent a link to the new address');
  await expect(accountEmailPage.pending).toContainText(email);

  await mailCatcherPage.confirmAddress(email);
  await expect(page.getByRole('heading', { name: 'Email address confirmed' })).toBeVisible();
  await page.getByRole('link', { name: 'Your email address' }).click();
  await expect(accountEmailPage.confirmed).toHaveText(email);
  await expect(accountEmailPage.pending).toHaveCount(0);
});
