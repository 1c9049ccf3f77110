import type { Locator, Page } from '@playwright/test';

/**
 * "This wasn't me": where an alert mail's link leads. Opening it changes
 * nothing; its one button signs every session out, mails a reset link and
 * opens the review page. A spent or unknown link gets a page that says so.
 */
export class NotMePage {
  readonly heading: Locator;
  readonly secure: Locator;
  /** the page of a used, expired or unknown link */
  readonly linkGone: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { name: 'This wasn\'t me', level: 1 });
    this.secure = page.getByRole('button', { name: 'Sign everyone out and secure my account' });
    this.linkGone = page.getByRole('heading', { name: 'This link no longer works', level: 1 });
  }

  /** Opens the link's page: `path` is the link's path and query, /not-me?token=… */
  async open(path: string): Promise<void> {
    await this.page.goto(path);
  }
}

/**
 * "Secure your account": the review page after the button, open for 15
 * minutes to that browser only: the passkeys, each with "Remove", and the
 * two-factor state (shown, never changed there).
 */
export class NotMeReviewPage {
  readonly heading: Locator;
  /** "Every session of … has been signed out", and whether a reset link is on its way */
  readonly signedOut: Locator;
  /** what the last change did ("The passkey has been removed…") */
  readonly done: Locator;
  readonly error: Locator;
  readonly passkeys: Locator;
  readonly noPasskeys: Locator;
  readonly twoFactor: Locator;
  /** the page another browser gets, or this one after 15 minutes */
  readonly closed: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { name: 'Secure your account', level: 1 });
    const main = page.getByRole('main');
    this.signedOut = main.getByRole('status').filter({ hasText: 'has been signed out' });
    this.done = main.getByRole('status').filter({ hasNotText: 'has been signed out' });
    this.error = main.getByRole('alert');
    this.passkeys = page.getByTestId('passkey-row');
    this.noPasskeys = page.getByText('The account has no passkeys.');
    this.twoFactor = page.getByTestId('two-factor-state');
    this.closed = page.getByRole('heading', { name: 'This page has closed', level: 1 });
  }

  async goto(): Promise<void> {
    await this.page.goto('/not-me/review');
  }

  passkey(name: string): Locator {
    return this.passkeys.filter({ has: this.page.getByRole('heading', { name }) });
  }

  async remove(name: string): Promise<void> {
    await this.page.getByRole('button', { name: `Remove ${name}` }).click();
  }
}
