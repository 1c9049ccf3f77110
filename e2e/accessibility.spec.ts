// Journey 12: axe finds no serious or critical accessibility violations.
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, passkeyTest, test } from './fixtures.js';
import { notMeLinkFor } from './support/not-me.js';
import { seedSecurityLog, varietyOfEvents } from './support/security-log.js';
import { totpCode } from './support/two-factor.js';

// an axe scan is seconds of CPU per page; several in one test need more than the default 30 s
test.describe.configure({ timeout: 90_000 });

async function expectNoSeriousViolations(page: Page, label: string) {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(
    serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`),
    label,
  ).toEqual([]);
}

test('home, register, login and error pages', async ({ page, registerPage }) => {
  for (const path of ['/', '/register', '/login', '/no/such/page']) {
    await page.goto(path);
    await expectNoSeriousViolations(page, path);
  }
  // a form with errors showing
  await registerPage.goto();
  await registerPage.register('x', 'short', 'other');
  await expectNoSeriousViolations(page, 'register with errors');
});

test('dashboard and account pages', async ({ page, dashboardPage, activityPage, loggedInUser }) => {
  // nine pages through axe, each a few seconds on a busy two-core machine
  test.setTimeout(120_000);
  await dashboardPage.goto();
  await expect(dashboardPage.heading).toHaveText(`Hello, ${loggedInUser.username}`);
  // with the session inspector's document loaded
  await expect(page.getByTestId('session-document')).toContainText('"userId"');
  await expectNoSeriousViolations(page, '/dashboard');
  await page.goto('/sessions');
  await expectNoSeriousViolations(page, '/sessions');
  // "Account activity", with events on it
  await seedSecurityLog(loggedInUser.username, varietyOfEvents());
  await activityPage.goto();
  await expect(activityPage.event('Recovery code used: 7 left')).toBeVisible();
  await expectNoSeriousViolations(page, '/account/activity');
  for (const path of ['/account/password', '/account/confirm', '/account/delete']) {
    await page.goto(path);
    await expectNoSeriousViolations(page, path);
    // and with errors showing
    await page.getByRole('button', { name: /Change password|Confirm|Delete my account/ }).click();
    await expectNoSeriousViolations(page, `${path} with errors`);
  }
});

test('the mail pages: the account\'s address, the inbox, forgot and reset password', async ({
  page,
  accountEmailPage,
  mailCatcherPage,
  forgotPasswordPage,
  loggedInUser,
}) => {
  test.setTimeout(120_000);
  const email = `${loggedInUser.username.toLowerCase()}@example.test`;
  await accountEmailPage.goto();
  await accountEmailPage.add('not an address');
  await expectNoSeriousViolations(page, '/account/email with errors');
  await accountEmailPage.add(email);
  await expectNoSeriousViolations(page, '/account/email, waiting for confirmation');
  await mailCatcherPage.follow(email, 'Confirm your email address for Cloakroom', '/verify-email');
  await expectNoSeriousViolations(page, '/verify-email (its button)');
  await page.getByRole('button', { name: 'Confirm this address' }).click();
  await expectNoSeriousViolations(page, '/verify-email/done');
  await page.getByRole('button', { name: 'Log out' }).click();
  await forgotPasswordPage.goto();
  await forgotPasswordPage.submit.click();
  await expectNoSeriousViolations(page, '/forgot-password with errors');
  await forgotPasswordPage.ask(email);
  await expectNoSeriousViolations(page, '/forgot-password/sent');
  await page.goto('/sign-in-link');
  await page.getByRole('button', { name: 'Send me a link' }).click();
  await expectNoSeriousViolations(page, '/sign-in-link with errors');
  await page.goto('/sign-in-link/open?token=not-a-token');
  await expectNoSeriousViolations(page, '/sign-in-link/open, a link that no longer works');
  await mailCatcherPage.mail(email, 'Reset your Cloakroom password');
  await expectNoSeriousViolations(page, '/dev/mail');
  await mailCatcherPage.follow(email, 'Reset your Cloakroom password', '/reset-password');
  await expectNoSeriousViolations(page, '/reset-password');
  await page.goto('/reset-password?token=not-a-token');
  await expectNoSeriousViolations(page, 'a reset link that no longer works');
});

// at localhost, where passkeys work (e2e/passkeys.spec.ts): their buttons showing
passkeyTest('the passkey pages, and the login page with its passkey button', async ({ page, browser, baseURL, loggedInUser, addPasskeyPage, passkeysPage, virtualAuthenticator }) => {
  await addPasskeyPage.goto();
  await expect(addPasskeyPage.create).toBeVisible();
  await expectNoSeriousViolations(page, '/account/passkeys/new');
  await addPasskeyPage.addPasskey('Laptop');
  await expect(passkeysPage.rows).toHaveCount(1);
  await expectNoSeriousViolations(page, '/account/passkeys');
  await page.goto('/account/confirm');
  await expect(page.getByRole('button', { name: 'Use a passkey instead' })).toBeVisible();
  await expectNoSeriousViolations(page, '/account/confirm with a passkey');
  expect(await virtualAuthenticator.credentials()).toHaveLength(1);
  expect(loggedInUser.username).not.toBe('');
  // a browser without that passkey: the login page stays there, its button showing
  const stranger = await browser.newContext({ baseURL });
  const login = await stranger.newPage();
  await login.goto('/login');
  await expect(login.getByRole('button', { name: 'Sign in with a passkey' })).toBeEnabled();
  await expectNoSeriousViolations(login, '/login with passkeys');
  await stranger.close();
});

// "This wasn't me": the link's page, the review page with a passkey listed
// and after its removal, and the pages of a spent link and a closed review
passkeyTest('the "This wasn\'t me" pages', async ({ page, loggedInUser, addPasskeyPage, passkeysPage, notMePage, notMeReviewPage, virtualAuthenticator }) => {
  passkeyTest.setTimeout(120_000);
  await addPasskeyPage.goto();
  await addPasskeyPage.addPasskey('Laptop');
  await expect(passkeysPage.rows).toHaveCount(1);
  expect(await virtualAuthenticator.credentials()).toHaveLength(1);
  // a link as an alert mail carries (the mails themselves: e2e/alerts.spec.ts)
  const link = await notMeLinkFor(loggedInUser.username);
  await notMePage.open(link);
  await expect(notMePage.heading).toBeVisible();
  await expectNoSeriousViolations(page, '/not-me');
  await notMePage.secure.click();
  await expect(notMeReviewPage.passkey('Laptop')).toBeVisible();
  await expectNoSeriousViolations(page, '/not-me/review with a passkey');
  await notMeReviewPage.remove('Laptop');
  await expect(notMeReviewPage.done).toBeVisible();
  await expectNoSeriousViolations(page, '/not-me/review after a removal');
  await notMePage.open(link);
  await expect(notMePage.linkGone).toBeVisible();
  await expectNoSeriousViolations(page, 'a "This wasn\'t me" link that no longer works');
  await page.context().clearCookies();
  await notMeReviewPage.goto();
  await expect(notMeReviewPage.closed).toBeVisible();
  await expectNoSeriousViolations(page, 'a review page that has closed');
});

test('the 429 page', async ({ page, loginPage, registeredUser }) => {
  for (let attempt = 0; attempt < 4; attempt += 1) {
    await loginPage.goto();
    await loginPage.login(registeredUser.username, 'wrong guess');
  }
  await expect(page.getByRole('heading', { name: 'Too many attempts' })).toBeVisible();
  await expectNoSeriousViolations(page, '429');
});

test('two-factor pages', async ({ page, loginPage, twoFactorLoginPage, twoFactorSettingsPage, recoveryCodesPage, twoFactorUser }) => {
  test.setTimeout(60_000);
  await loginPage.goto();
  await loginPage.login(twoFactorUser.username, twoFactorUser.password);
  await expect(twoFactorLoginPage.heading).toBeVisible();
  await twoFactorLoginPage.submit.click();
  await expect(twoFactorLoginPage.error).toBeVisible();
  await expectNoSeriousViolations(page, '/login/two-factor with errors');
  await twoFactorLoginPage.enter(totpCode(twoFactorUser.secret));
  await expect(page).toHaveURL('/dashboard');
  await twoFactorSettingsPage.goto();
  await expectNoSeriousViolations(page, '/account/two-factor (on)');
  await twoFactorSettingsPage.newRecoveryCodes.click();
  await expect(recoveryCodesPage.codes).toHaveCount(10);
  await expectNoSeriousViolations(page, 'recovery codes');
  await twoFactorSettingsPage.goto();
  await twoFactorSettingsPage.turnOff.click();
  await expect(twoFactorSettingsPage.status).toContainText('Two-factor login is off');
  await expectNoSeriousViolations(page, '/account/two-factor (turned off)');
  await twoFactorSettingsPage.setUpAgain.click();
  await expect(twoFactorSettingsPage.qrCode).toBeVisible();
  await expectNoSeriousViolations(page, '/account/two-factor (setup)');
});

// one test per page: an axe scan takes seconds on a busy machine
for (const path of ['/lab', '/lab/redirect-race', '/lab/lost-updates', '/lab/save-uninitialized', '/lab/resurrection/wrong', '/lab/resurrection/right', '/lab/two-factor', '/lab/trace']) {
  test(`the lab: ${path}`, async ({ page }) => {
    await page.goto(path);
    await expectNoSeriousViolations(page, path);
  });
}

test('the lab: the trace, with requests drawn and one opened', async ({ page, tracePage }) => {
  await tracePage.goto();
  // requests of this browser, from another tab
  const other = await page.context().newPage();
  await other.goto('/login');
  await other.goto('/lab/redirect-race');
  await other.close();
  await expect(tracePage.drawn('GET /login')).toBeVisible({ timeout: 10_000 });
  await tracePage.drawn('GET /login').click();
  await expect(tracePage.entry('GET /login')).toHaveAttribute('open', '');
  await expectNoSeriousViolations(page, '/lab/trace with requests');
});

test('the lab: where the redirect race lands', async ({ page }) => {
  await page.goto('/lab/redirect-race');
  await page.getByRole('button', { name: 'Log in the wrong way' }).click();
  await expect(page.getByTestId('race-result')).toBeVisible();
  await expectNoSeriousViolations(page, 'redirect race landing');
});
