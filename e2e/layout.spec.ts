// Journey 14: every page on a phone (390 px wide), for an anonymous visitor
// and a logged-in one: nothing is wider than the screen, and nothing is logged
// to the console as an error.
import type { Page } from '@playwright/test';
import { expect, passkeyTest, test } from './fixtures.js';
import { notMeLinkFor } from './support/not-me.js';
import { seedSecurityLog, varietyOfEvents } from './support/security-log.js';
import { totpCode } from './support/two-factor.js';

const PHONE = { width: 390, height: 844 };
test.use({ viewport: PHONE });
passkeyTest.use({ viewport: PHONE });

const LAB_PAGES = ['/lab', '/lab/redirect-race', '/lab/lost-updates', '/lab/save-uninitialized', '/lab/resurrection/wrong', '/lab/resurrection/right', '/lab/two-factor', '/lab/trace'];

/**
 * Collects the console errors and uncaught exceptions of every page the test
 * opens. A page answered with an error status on purpose (a 404, a form
 * refused with 400) makes Chromium log "Failed to load resource" for the page
 * itself: that one is expected; the same for a stylesheet, script or fetch is not.
 */
function watchConsole(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const thePageItself = message.location().url === page.url() && message.text().startsWith('Failed to load resource');
    if (!thePageItself) errors.push(`${page.url()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`${page.url()}: ${error.message}`));
  return errors;
}

/** The page fits the screen: no horizontal scrolling, and if there is, which elements stick out. */
async function expectNoHorizontalOverflow(page: Page, label: string): Promise<void> {
  const overflow = await page.evaluate(() => {
    const root = document.documentElement;
    if (root.scrollWidth <= window.innerWidth) return null;
    const tooWide = [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5)
      .map((el) => `${el.tagName.toLowerCase()}${el.className ? `.${String(el.className).replace(/ /g, '.')}` : ''}`);
    return { scrollWidth: root.scrollWidth, innerWidth: window.innerWidth, tooWide: [...new Set(tooWide)].slice(0, 8) };
  });
  expect.soft(overflow, `${label} is wider than the screen`).toBeNull();
}

async function visit(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await expectNoHorizontalOverflow(page, path);
}

test('anonymous pages fit a phone and log no errors', async ({ page, registerPage }) => {
  const errors = watchConsole(page);
  for (const path of ['/', '/login', '/register', '/?notice=signed-out', '/no/such/page']) await visit(page, path);
  await registerPage.goto();
  await registerPage.register('x', 'short', 'other');
  await expect(page.getByText('Passwords do not match')).toBeVisible();
  await expectNoHorizontalOverflow(page, 'register with errors');
  expect(errors).toEqual([]);
});

test('logged-in pages fit a phone and log no errors', async ({ page, dashboardPage, activityPage, loggedInUser, loggedInBrowsers }) => {
  // a second browser, so that "Your sessions" has two rows
  await loggedInBrowsers(1);
  // and "Account activity" events with the longest names and addresses they carry
  await seedSecurityLog(loggedInUser.username, varietyOfEvents());
  const errors = watchConsole(page);
  await dashboardPage.goto();
  await expect(dashboardPage.heading).toHaveText(`Hello, ${loggedInUser.username}`);
  // with the session inspector's document loaded
  await expect(page.getByTestId('session-document')).toContainText('"dashboardVisits"');
  await expectNoHorizontalOverflow(page, '/dashboard');
  for (const path of ['/', '/sessions', '/no/such/page']) await visit(page, path);
  await activityPage.goto();
  await expect(activityPage.event('Recovery code used: 7 left')).toBeVisible();
  await expectNoHorizontalOverflow(page, '/account/activity');
  for (const path of ['/account/password', '/account/confirm', '/account/delete']) {
    await visit(page, path);
    // and with its errors showing (the form's own button: the confirm page also has a passkey's)
    await page.getByRole('main').getByRole('button').first().click();
    await expect(page.getByRole('main').locator('.field-error').first()).toBeVisible();
    await expectNoHorizontalOverflow(page, `${path} with errors`);
  }
  expect(errors).toEqual([]);
});

// at localhost, with a virtual authenticator: passkeys need a domain name (e2e/passkeys.spec.ts)
passkeyTest('the passkey pages fit a phone and log no errors, a passkey listed', async ({ page, loggedInUser, addPasskeyPage, passkeysPage, virtualAuthenticator }) => {
  const errors = watchConsole(page);
  await visit(page, '/account/passkeys');
  await visit(page, '/account/passkeys/new');
  await addPasskeyPage.addPasskey('The laptop on the kitchen table, by the window');
  await expect(passkeysPage.rows).toHaveCount(1);
  await expectNoHorizontalOverflow(page, '/account/passkeys with a passkey');
  expect(await virtualAuthenticator.credentials()).toHaveLength(1);
  await visit(page, `/account/confirm?next=/account/passkeys`);
  await expect(page.getByRole('button', { name: 'Use a passkey instead' })).toBeVisible();
  expect(loggedInUser.username).not.toBe('');
  expect(errors).toEqual([]);
});

// "This wasn't me": the link's page, the review page with a passkey of the
// longest name there is and no space to break it, after a removal, and the
// pages of a spent link and of a review page that has closed
passkeyTest('the "This wasn\'t me" pages fit a phone and log no errors, a passkey listed', async ({
  page,
  loggedInUser,
  addPasskeyPage,
  passkeysPage,
  notMePage,
  notMeReviewPage,
  virtualAuthenticator,
}) => {
  const errors = watchConsole(page);
  const longName = 'The-laptop-on-the-kitchen-table-by-the-window-with-a-long-name-x';
  await addPasskeyPage.goto();
  await addPasskeyPage.addPasskey(longName);
  await expect(passkeysPage.rows).toHaveCount(1);
  expect(await virtualAuthenticator.credentials()).toHaveLength(1);
  // a link as an alert mail carries (the mails themselves: e2e/alerts.spec.ts)
  const link = await notMeLinkFor(loggedInUser.username);
  await visit(page, link);
  await expect(notMePage.heading).toBeVisible();
  await notMePage.secure.click();
  await expect(notMeReviewPage.passkey(longName)).toBeVisible();
  await expectNoHorizontalOverflow(page, '/not-me/review with a passkey');
  await notMeReviewPage.remove(longName);
  await expect(notMeReviewPage.done).toBeVisible();
  await expectNoHorizontalOverflow(page, '/not-me/review after a removal');
  await visit(page, link);
  await expect(notMePage.linkGone).toBeVisible();
  // another browser (no cookies): the review page is closed to it
  await page.context().clearCookies();
  await visit(page, '/not-me/review');
  await expect(notMeReviewPage.closed).toBeVisible();
  expect(errors).toEqual([]);
});

test('the two-factor pages fit a phone and log no errors', async ({ page, loginPage, twoFactorLoginPage, twoFactorSettingsPage, recoveryCodesPage, twoFactorUser }) => {
  const errors = watchConsole(page);
  await loginPage.goto();
  await loginPage.login(twoFactorUser.username, twoFactorUser.password);
  await expect(twoFactorLoginPage.heading).toBeVisible();
  await expectNoHorizontalOverflow(page, '/login/two-factor');
  await twoFactorLoginPage.submit.click();
  await expect(twoFactorLoginPage.error).toBeVisible();
  await expectNoHorizontalOverflow(page, '/login/two-factor with errors');
  await twoFactorLoginPage.enter(totpCode(twoFactorUser.secret));
  await expect(page).toHaveURL('/dashboard');
  await visit(page, '/account/two-factor');
  await twoFactorSettingsPage.newRecoveryCodes.click();
  await expect(recoveryCodesPage.codes).toHaveCount(10);
  await expectNoHorizontalOverflow(page, 'recovery codes');
  // and the setup page, with its QR code and secret
  await twoFactorSettingsPage.goto();
  await twoFactorSettingsPage.turnOff.click();
  await expect(twoFactorSettingsPage.status).toContainText('Two-factor login is off');
  await expectNoHorizontalOverflow(page, '/account/two-factor (turned off)');
  await twoFactorSettingsPage.setUpAgain.click();
  await expect(twoFactorSettingsPage.qrCode).toBeVisible();
  await expectNoHorizontalOverflow(page, '/account/two-factor (setup)');
  await twoFactorSettingsPage.turnOn.click();
  await expect(page.locator('#code-error')).toBeVisible();
  await expectNoHorizontalOverflow(page, '/account/two-factor with errors');
  expect(errors).toEqual([]);
});

test('the mail pages fit a phone and log no errors: the account\'s address, the inbox, forgot and reset password', async ({
  page,
  accountEmailPage,
  mailCatcherPage,
  forgotPasswordPage,
  loggedInUser,
}) => {
  test.setTimeout(60_000);
  const errors = watchConsole(page);
  const email = `${loggedInUser.username.toLowerCase()}@example.test`;
  await visit(page, '/account/email');
  await accountEmailPage.add('not an address');
  await expectNoHorizontalOverflow(page, '/account/email with errors');
  await accountEmailPage.add(email);
  await expectNoHorizontalOverflow(page, '/account/email, waiting for confirmation');
  await mailCatcherPage.follow(email, 'Confirm your email address for Cloakroom', '/verify-email');
  await expectNoHorizontalOverflow(page, '/verify-email (its button)');
  await page.getByRole('button', { name: 'Confirm this address' }).click();
  await expectNoHorizontalOverflow(page, '/verify-email/done');
  await page.getByRole('button', { name: 'Log out' }).click();
  await visit(page, '/forgot-password');
  await forgotPasswordPage.submit.click();
  await expectNoHorizontalOverflow(page, '/forgot-password with errors');
  await forgotPasswordPage.ask(loggedInUser.username);
  await expectNoHorizontalOverflow(page, '/forgot-password/sent');
  await visit(page, '/sign-in-link');
  await page.getByRole('button', { name: 'Send me a link' }).click();
  await expectNoHorizontalOverflow(page, '/sign-in-link with errors');
  await visit(page, '/sign-in-link/open?token=not-a-token');
  await expectNoHorizontalOverflow(page, '/sign-in-link/open, a link that no longer works');
  await mailCatcherPage.mail(email, 'Reset your Cloakroom password');
  await expectNoHorizontalOverflow(page, '/dev/mail');
  await mailCatcherPage.follow(email, 'Reset your Cloakroom password', '/reset-password');
  await expectNoHorizontalOverflow(page, '/reset-password');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expectNoHorizontalOverflow(page, '/reset-password with errors');
  await visit(page, '/reset-password?token=not-a-token');
  expect(errors).toEqual([]);
});

test('the lab fits a phone and logs no errors, logged in or not', async ({ page, loginPage, registeredUser }) => {
  const errors = watchConsole(page);
  for (const path of LAB_PAGES) await visit(page, path);
  await page.goto('/lab/redirect-race');
  await page.getByRole('button', { name: 'Log in the wrong way' }).click();
  await expect(page.getByTestId('race-result')).toBeVisible();
  await expectNoHorizontalOverflow(page, 'redirect race landing');

  await loginPage.goto();
  await loginPage.login(registeredUser.username, registeredUser.password);
  await expect(page).toHaveURL('/dashboard');
  for (const path of LAB_PAGES) {
    await visit(page, path);
    await expect(page.getByText(`Signed in as ${registeredUser.username}`), path).toBeVisible();
  }
  expect(errors).toEqual([]);
});

test('the 429 page fits a phone and logs no errors', async ({ page, loginPage, registeredUser }) => {
  const errors = watchConsole(page);
  // the browser tests allow 3 failures in a row (e2e/support/env.ts)
  for (let attempt = 1; attempt <= 4; attempt += 1) {
    await loginPage.goto();
    await loginPage.login(registeredUser.username, `wrong guess ${attempt}`);
  }
  await expect(page.getByRole('heading', { name: 'Too many attempts' })).toBeVisible();
  await expectNoHorizontalOverflow(page, '429');
  expect(errors).toEqual([]);
});

// Journey 14b: on a laptop screen the logged-in header is one row: the
// brand, every link, who is signed in and "Log out", side by side.
test.describe('at 1280 × 800', () => {
  test.use({ viewport: { width: 1280, height: 800 } });

  test('the logged-in header keeps its links on one row', async ({ page, loggedInUser }) => {
    await page.goto('/dashboard');
    await expect(page.getByText(`Signed in as ${loggedInUser.username}`)).toBeVisible();
    const rows = await page.evaluate(() => {
      const items = [...document.querySelectorAll('.site-nav a, .site-nav button, .site-nav .nav-user')];
      const boxes = items.map((el) => ({ text: (el.textContent ?? '').trim(), ...el.getBoundingClientRect().toJSON() as DOMRect }));
      return {
        count: boxes.length,
        // on one row, every item's top is above every item's bottom
        lowestTop: Math.max(...boxes.map((b) => b.top)),
        highestBottom: Math.min(...boxes.map((b) => b.bottom)),
        below: boxes.filter((b) => b.top >= Math.min(...boxes.map((o) => o.bottom))).map((b) => b.text),
        // and the row fits the screen: nothing is pushed off its right edge
        offScreen: boxes.filter((b) => b.right > window.innerWidth || b.left < 0).map((b) => b.text),
        header: document.querySelector('.site-header')?.getBoundingClientRect().height ?? 0,
      };
    });
    // the brand, the nine links (the lab and the mail catcher's among them), the name, Log out
    expect(rows.count).toBe(12);
    expect(rows.below, 'items wrapped onto another row').toEqual([]);
    expect(rows.offScreen, 'items off the screen').toEqual([]);
    expect(rows.lowestTop).toBeLessThan(rows.highestBottom);
    expect(rows.header).toBeLessThan(80);
  });
});
