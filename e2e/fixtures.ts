// fixtures: a page object for every page of the test's own browser, and a fresh user nobody else uses.
// No storageState setup project: Playwright's docs advise against one shared logged-in state for tests that change
// server-side state, and almost every journey here logs out, signs sessions out, changes the password or deletes the account.
import { randomBytes } from 'node:crypto';
import { expect, test as base, type BrowserContext, type Page } from '@playwright/test';
import { ActivityPage } from './pages/activity-page.js';
import { ChangePasswordPage, ConfirmPage, DeleteAccountPage } from './pages/account-pages.js';
import { DashboardPage } from './pages/dashboard-page.js';
import { LostUpdatesPage, RedirectRacePage, ResurrectionPage, SaveUninitializedPage, TwoFactorShortcutPage } from './pages/lab-pages.js';
import { LoginPage } from './pages/login-page.js';
import { AccountEmailPage, ForgotPasswordPage, MailCatcherPage, ResetPasswordPage } from './pages/mail-pages.js';
import { NotMePage, NotMeReviewPage } from './pages/not-me-pages.js';
import { AddPasskeyPage, PasskeysPage } from './pages/passkey-pages.js';
import { RegisterPage } from './pages/register-page.js';
import { SessionsPage } from './pages/sessions-page.js';
import { TracePage } from './pages/trace-page.js';
import { RecoveryCodesPage, TwoFactorLoginPage, TwoFactorSettingsPage } from './pages/two-factor-pages.js';
import { logInOverHttp, registerOverHttp, type Credentials } from './support/accounts.js';
import { localhostURL } from './support/env.js';
import { turnOnTwoFactorOverHttp, type TwoFactorCredentials } from './support/two-factor.js';

// a user's name and password (e2e/support/accounts.ts), for the specs that import it from here
export type { Credentials } from './support/accounts.js';

interface Fixtures {
  registerPage: RegisterPage;
  loginPage: LoginPage;
  dashboardPage: DashboardPage;
  sessionsPage: SessionsPage;
  activityPage: ActivityPage;
  changePasswordPage: ChangePasswordPage;
  deleteAccountPage: DeleteAccountPage;
  confirmPage: ConfirmPage;
  redirectRacePage: RedirectRacePage;
  lostUpdatesPage: LostUpdatesPage;
  saveUninitializedPage: SaveUninitializedPage;
  resurrectionPage: ResurrectionPage;
  tracePage: TracePage;
  passkeysPage: PasskeysPage;
  addPasskeyPage: AddPasskeyPage;
  twoFactorSettingsPage: TwoFactorSettingsPage;
  recoveryCodesPage: RecoveryCodesPage;
  twoFactorLoginPage: TwoFactorLoginPage;
  twoFactorShortcutPage: TwoFactorShortcutPage;
  forgotPasswordPage: ForgotPasswordPage;
  resetPasswordPage: ResetPasswordPage;
  accountEmailPage: AccountEmailPage;
  mailCatcherPage: MailCatcherPage;
  notMePage: NotMePage;
  notMeReviewPage: NotMeReviewPage;
  /** Credentials for an account that does not exist yet. */
  newUser: Credentials;
  /** An account that exists (created over HTTP), not logged in anywhere. */
  registeredUser: Credentials;
  /**
   * registeredUser, with the test's own browser logged in (over HTTP, no page
   * visited yet): for tests where being logged in is where they start.
   */
  loggedInUser: Credentials;
  /**
   * registeredUser with two-factor login turned on (over HTTP, with a code of
   * the previous time step, so the current one is free to log in with), not
   * logged in anywhere: its secret and recovery codes.
   */
  twoFactorUser: TwoFactorCredentials;
  /**
   * Opens separate browsers (one context each, so one session each), every one
   * logged in as registeredUser and on the dashboard; closed after the test.
   */
  loggedInBrowsers: (count: number) => Promise<Page[]>;
}

export const test = base.extend<Fixtures>({
  registerPage: async ({ page }, use) => {
    await use(new RegisterPage(page));
  },
  loginPage: async ({ page }, use) => {
    await use(new LoginPage(page));
  },
  dashboardPage: async ({ page }, use) => {
    await use(new DashboardPage(page));
  },
  sessionsPage: async ({ page }, use) => {
    await use(new SessionsPage(page));
  },
  activityPage: async ({ page }, use) => {
    await use(new ActivityPage(page));
  },
  changePasswordPage: async ({ page }, use) => {
    await use(new ChangePasswordPage(page));
  },
  confirmPage: async ({ page }, use) => {
    await use(new ConfirmPage(page));
  },
  deleteAccountPage: async ({ page }, use) => {
    await use(new DeleteAccountPage(page));
  },
  redirectRacePage: async ({ page }, use) => {
    await use(new RedirectRacePage(page));
  },
  lostUpdatesPage: async ({ page }, use) => {
    await use(new LostUpdatesPage(page));
  },
  saveUninitializedPage: async ({ page }, use) => {
    await use(new SaveUninitializedPage(page));
  },
  resurrectionPage: async ({ page }, use) => {
    await use(new ResurrectionPage(page));
  },
  tracePage: async ({ page }, use) => {
    await use(new TracePage(page));
  },
  passkeysPage: async ({ page }, use) => {
    await use(new PasskeysPage(page));
  },
  addPasskeyPage: async ({ page }, use) => {
    await use(new AddPasskeyPage(page));
  },
  twoFactorSettingsPage: async ({ page }, use) => {
    await use(new TwoFactorSettingsPage(page));
  },
  recoveryCodesPage: async ({ page }, use) => {
    await use(new RecoveryCodesPage(page));
  },
  twoFactorLoginPage: async ({ page }, use) => {
    await use(new TwoFactorLoginPage(page));
  },
  twoFactorShortcutPage: async ({ page }, use) => {
    await use(new TwoFactorShortcutPage(page));
  },
  forgotPasswordPage: async ({ page }, use) => {
    await use(new ForgotPasswordPage(page));
  },
  resetPasswordPage: async ({ page }, use) => {
    await use(new ResetPasswordPage(page));
  },
  accountEmailPage: async ({ page }, use) => {
    await use(new AccountEmailPage(page));
  },
  mailCatcherPage: async ({ page }, use) => {
    await use(new MailCatcherPage(page));
  },
  notMePage: async ({ page }, use) => {
    await use(new NotMePage(page));
  },
  notMeReviewPage: async ({ page }, use) => {
    await use(new NotMeReviewPage(page));
  },
  // eslint-disable-next-line no-empty-pattern -- Playwright requires the object pattern
  newUser: async ({}, use) => {
    await use({
      username: `Guest_${randomBytes(5).toString('hex')}`,
      password: `pass phrase ${randomBytes(4).toString('hex')}`,
    });
  },
  registeredUser: async ({ newUser, request, baseURL }, use) => {
    await registerOverHttp(request, baseURL ?? '', newUser);
    await use(newUser);
  },
  loggedInUser: async ({ page, baseURL, registeredUser }, use) => {
    // page.request shares the page's cookies: the session cookie lands in its context
    await logInOverHttp(page.request, baseURL ?? '', registeredUser);
    await use(registeredUser);
  },
  twoFactorUser: async ({ playwright, baseURL, registeredUser }, use) => {
    // a request context of its own: the test's browser stays logged out
    const request = await playwright.request.newContext();
    const credentials = await turnOnTwoFactorOverHttp(request, baseURL ?? '', registeredUser);
    await request.dispose();
    await use(credentials);
  },
  loggedInBrowsers: async ({ browser, baseURL, registeredUser }, use) => {
    const contexts: BrowserContext[] = [];
    await use(async (count) => {
      const pages: Page[] = [];
      for (let i = 0; i < count; i += 1) {
        const context = await browser.newContext({ baseURL });
        contexts.push(context);
        const page = await context.newPage();
        const login = new LoginPage(page);
        await login.goto();
        await login.login(registeredUser.username, registeredUser.password);
        await expect(page).toHaveURL('/dashboard');
        pages.push(page);
      }
      return pages;
    });
    await Promise.all(contexts.map((context) => context.close()));
  },
});

/** Chromium's virtual authenticator (over CDP), attached to the test's page. */
export interface VirtualAuthenticator {
  /** The passkeys it holds: how many, and each one's signature count. */
  credentials(): Promise<{ credentialId: string; signCount: number; isResidentCredential: boolean }[]>;
}

/**
 * Gives a page Chromium's virtual authenticator (over CDP): a platform
 * authenticator that keeps discoverable passkeys and verifies its user (as a
 * fingerprint would) without asking anyone. `remove` takes it away again.
 */
async function addVirtualAuthenticator(page: Page): Promise<VirtualAuthenticator & { remove(): Promise<void> }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
  });
  return {
    credentials: async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials,
    remove: async () => {
      await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId });
      await cdp.detach();
    },
  };
}

/** Another browser of a passkey journey: its page, and the virtual authenticator in it. */
export interface PasskeyBrowser {
  page: Page;
  virtualAuthenticator: VirtualAuthenticator;
}

interface PasskeyFixtures {
  virtualAuthenticator: VirtualAuthenticator;
  /**
   * Opens another browser (a context of its own: it never signed in to
   * anything) at the test's localhost address, with a virtual authenticator
   * of its own; closed after the test.
   */
  newPasskeyBrowser: () => Promise<PasskeyBrowser>;
}

/**
 * For passkey journeys: the whole test at http://localhost:<port> (WebAuthn
 * needs a domain name, see localhostURL), and a virtual authenticator in the
 * test's browser (addVirtualAuthenticator).
 */
export const passkeyTest = test.extend<PasskeyFixtures>({
  baseURL: async ({ baseURL }, use) => {
    await use(localhostURL(baseURL ?? ''));
  },
  virtualAuthenticator: async ({ page }, use) => {
    const authenticator = await addVirtualAuthenticator(page);
    await use(authenticator);
    await authenticator.remove();
  },
  newPasskeyBrowser: async ({ browser, baseURL }, use) => {
    const contexts: BrowserContext[] = [];
    await use(async () => {
      const context = await browser.newContext({ baseURL });
      contexts.push(context);
      const page = await context.newPage();
      return { page, virtualAuthenticator: await addVirtualAuthenticator(page) };
    });
    // closing the context takes its authenticator with it
    await Promise.all(contexts.map((context) => context.close()));
  },
});

export { expect };
