// npm run screenshots: a picture of each page for the README, in docs/screenshots/.
import path from 'node:path';
import { expect, passkeyTest, test } from '../fixtures.js';
import { LoginPage } from '../pages/login-page.js';
import { totpCode } from '../support/two-factor.js';

const DIR = path.resolve(import.meta.dirname, '..', '..', 'docs', 'screenshots');
const shot = (name: string) => ({ path: path.join(DIR, `${name}.png`), fullPage: true });

test.use({ viewport: { width: 1000, height: 700 } });
passkeyTest.use({ viewport: { width: 1000, height: 700 } });

const FIREFOX = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:140.0) Gecko/20100101 Firefox/140.0';

test('every page', async ({ page, browser, baseURL, registerPage, loginPage, dashboardPage, registeredUser }) => {
  await page.goto('/');
  await page.screenshot(shot('home'));

  await registerPage.goto();
  await registerPage.register('x', 'short', 'shirt');
  await expect(page.getByText('Passwords do not match')).toBeVisible();
  await page.screenshot(shot('register-errors'));

  // a second account, registered through the form
  await registerPage.register(`${registeredUser.username}_2`, registeredUser.password);
  await page.reload();
  await page.reload();
  await expect(dashboardPage.visitCount).toHaveText('3');
  await expect(page.getByTestId('session-document')).toContainText('"dashboardVisits": 3');
  await page.screenshot(shot('dashboard'));
  await page.getByTestId('session-inspector').screenshot({ path: shot('session-inspector').path });

  // a second browser logged in as the same user, for "Your sessions"
  const other = await browser.newContext({ baseURL, userAgent: FIREFOX });
  const otherLogin = new LoginPage(await other.newPage());
  await otherLogin.goto();
  await otherLogin.login(`${registeredUser.username}_2`, registeredUser.password);
  await page.goto('/sessions');
  await expect(page.getByTestId('session-row')).toHaveCount(2);
  await page.screenshot(shot('sessions'));
  // signed out from here, the other browser is told why at its next page
  await page.getByRole('button', { name: 'Sign out everywhere else' }).click();
  await otherLogin.page.setViewportSize({ width: 1000, height: 700 });
  await otherLogin.page.goto('/dashboard');
  await expect(otherLogin.page.getByRole('status')).toContainText('You were signed out');
  await otherLogin.page.screenshot(shot('signed-out-elsewhere'));
  await other.close();

  await dashboardPage.logout();
  await page.screenshot(shot('signed-out'));

  await loginPage.goto();
  await loginPage.login(registeredUser.username, 'not the password');
  await expect(loginPage.error).toBeVisible();
  await page.screenshot(shot('login-failed'));

  for (let attempt = 0; attempt < 3; attempt += 1) {
    await loginPage.goto();
    await loginPage.login(registeredUser.username, 'not the password');
  }
  await expect(page.getByRole('heading', { name: 'Too many attempts' })).toBeVisible();
  await page.screenshot(shot('too-many-attempts'));

  await page.goto('/no/such/page');
  await page.screenshot(shot('not-found'));
});

test('forgot password, through the mail catcher', async ({ page, registerPage, forgotPasswordPage, mailCatcherPage, resetPasswordPage, newUser }) => {
  const email = `${newUser.username.toLowerCase()}@example.test`;
  await registerPage.goto();
  await registerPage.register(newUser.username, newUser.password, newUser.password, email);
  await mailCatcherPage.confirmAddress(email);
  await page.getByRole('button', { name: 'Log out' }).click();
  await forgotPasswordPage.goto();
  await page.screenshot(shot('forgot-password'));
  await forgotPasswordPage.ask(newUser.username);
  await mailCatcherPage.mail(email, 'Reset your Cloakroom password');
  await page.screenshot(shot('mail-catcher'));
  await mailCatcherPage.follow(email, 'Reset your Cloakroom password', '/reset-password');
  await expect(resetPasswordPage.heading).toBeVisible();
  await page.screenshot(shot('reset-password'));
});

test('the lab', async ({ page, redirectRacePage, lostUpdatesPage }) => {
  await redirectRacePage.goto();
  await page.screenshot(shot('lab-redirect-race'));
  await redirectRacePage.wrongWay.click();
  await expect(redirectRacePage.result).toHaveText('This page does not know you.');
  await page.screenshot(shot('lab-redirect-race-wrong'));

  await lostUpdatesPage.goto();
  await lostUpdatesPage.reset.click();
  await lostUpdatesPage.burst.click();
  await expect(lostUpdatesPage.databaseHits).toHaveText('50');
  await page.screenshot(shot('lab-lost-updates'));
});

test('two-factor login', async ({ page, loginPage, twoFactorLoginPage, twoFactorSettingsPage, recoveryCodesPage, twoFactorUser }) => {
  await loginPage.goto();
  await loginPage.login(twoFactorUser.username, twoFactorUser.password);
  await expect(twoFactorLoginPage.heading).toBeVisible();
  await page.screenshot(shot('two-factor-login'));
  await twoFactorLoginPage.enter(totpCode(twoFactorUser.secret));
  await expect(page).toHaveURL('/dashboard');
  await twoFactorSettingsPage.goto();
  await twoFactorSettingsPage.newRecoveryCodes.click();
  await expect(recoveryCodesPage.codes).toHaveCount(10);
  await page.screenshot(shot('two-factor-recovery-codes'));
  await twoFactorSettingsPage.goto();
  await twoFactorSettingsPage.turnOff.click();
  await expect(twoFactorSettingsPage.qrCode).toBeVisible();
  await page.screenshot(shot('two-factor-setup'));
});

// at localhost, where passkeys work (e2e/passkeys.spec.ts)
passkeyTest('passkeys', async ({ page, browser, baseURL, loggedInUser, addPasskeyPage, passkeysPage, dashboardPage, virtualAuthenticator }) => {
  await addPasskeyPage.goto();
  await addPasskeyPage.addPasskey('Laptop');
  await expect(passkeysPage.rows).toHaveCount(1);
  expect(await virtualAuthenticator.credentials()).toHaveLength(1);
  // used once: log out, and the login page's autofill signs in with it
  await dashboardPage.logout();
  await page.goto('/login');
  await expect(page).toHaveURL('/dashboard');
  await passkeysPage.goto();
  await expect(passkeysPage.status).toHaveCount(0);
  await page.screenshot(shot('passkeys'));
  expect(loggedInUser.username).not.toBe('');

  // the login page of a browser with no passkey yet: the button under the form
  const stranger = await browser.newContext({ baseURL, viewport: { width: 1000, height: 700 } });
  const login = await stranger.newPage();
  await login.goto('/login');
  await expect(login.getByRole('button', { name: 'Sign in with a passkey' })).toBeEnabled();
  await login.screenshot(shot('login-passkey'));
  await stranger.close();
});

test.describe('on a phone', () => {
  test.use({ viewport: { width: 390, height: 844 } });

  test('the pages that change most', async ({ page, browser, baseURL, loginPage, registeredUser }) => {
    await page.goto('/');
    await page.screenshot(shot('phone-home'));

    // a second browser logged in as the same user, for "Your sessions"
    const other = await browser.newContext({ baseURL, userAgent: FIREFOX });
    const otherLogin = new LoginPage(await other.newPage());
    await otherLogin.goto();
    await otherLogin.login(registeredUser.username, registeredUser.password);
    await expect(otherLogin.page).toHaveURL('/dashboard');

    await loginPage.goto();
    await loginPage.login(registeredUser.username, registeredUser.password);
    await expect(page.getByTestId('session-document')).toContainText('"dashboardVisits": 1');
    // the top of the page: a whole dashboard is several screens long
    await page.screenshot({ path: shot('phone-dashboard').path });

    await page.goto('/sessions');
    await expect(page.getByTestId('session-row')).toHaveCount(2);
    await page.screenshot(shot('phone-sessions'));

    // the lab's header knows who is logged in to the app
    await page.goto('/lab');
    await expect(page.getByText(`Signed in as ${registeredUser.username}`)).toBeVisible();
    await page.screenshot(shot('phone-lab'));

    await page.goto('/account/delete');
    await page.getByRole('button', { name: 'Delete my account' }).click();
    await expect(page.getByText('Tick the box')).toBeVisible();
    await page.screenshot(shot('phone-account-delete'));

    // signed out from the other browser: this one is told why
    await otherLogin.page.goto('/sessions');
    await otherLogin.page.getByRole('button', { name: 'Sign out everywhere else' }).click();
    await page.goto('/dashboard');
    await expect(page.getByRole('status')).toContainText('You were signed out');
    await page.screenshot(shot('phone-signed-out-elsewhere'));
    await other.close();
  });
});
