import { expect, type Locator, type Page } from '@playwright/test';
import type { Credentials } from '../support/accounts.js';
import type { RegisterPage } from './register-page.js';

export class ForgotPasswordPage {
  readonly identifier: Locator;
  readonly submit: Locator;

  constructor(readonly page: Page) {
    this.identifier = page.getByLabel('Username or email address');
    this.submit = page.getByRole('button', { name: 'Send me a link' });
  }

  async goto(): Promise<void> {
    await this.page.goto('/forgot-password');
  }

  async ask(identifier: string): Promise<void> {
    await this.identifier.fill(identifier);
    await this.submit.click();
  }
}

export class ResetPasswordPage {
  readonly heading: Locator;
  readonly newPassword: Locator;
  readonly confirmPassword: Locator;
  readonly submit: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { name: 'Choose a new password' });
    this.newPassword = page.getByLabel('New password', { exact: true });
    this.confirmPassword = page.getByLabel('Confirm new password');
    this.submit = page.getByRole('button', { name: 'Change password' });
  }

  async choose(password: string): Promise<void> {
    await this.newPassword.fill(password);
    await this.confirmPassword.fill(password);
    await this.submit.click();
  }
}

export class AccountEmailPage {
  readonly email: Locator;
  readonly submit: Locator;
  readonly confirmed: Locator;
  readonly pending: Locator;
  readonly status: Locator;

  constructor(readonly page: Page) {
    this.email = page.getByLabel(/^(New email address|Email address)$/);
    this.submit = page.getByRole('button', { name: 'Send a confirmation link' });
    this.confirmed = page.getByTestId('confirmed-email');
    this.pending = page.getByTestId('pending-email');
    this.status = page.getByRole('main').getByRole('status');
  }

  async goto(): Promise<void> {
    await this.page.goto('/account/email');
  }

  async add(address: string): Promise<void> {
    await this.email.fill(address);
    await this.submit.click();
  }
}

/** The local mail catcher's inbox (development and tests only). */
export class MailCatcherPage {
  constructor(readonly page: Page) {}

  async goto(): Promise<void> {
    await this.page.goto('/dev/mail');
  }

  /** The newest mail to `address` with this subject, waiting for it (it is sent after the page answered). */
  async mail(address: string, subject: string): Promise<Locator> {
    const mail = this.page.getByRole('article').filter({ has: this.page.getByRole('heading', { name: subject }) }).filter({ hasText: address }).first();
    await expect(async () => {
      await this.goto();
      await expect(mail).toBeVisible({ timeout: 1000 });
    }).toPass({ timeout: 30_000 });
    return mail;
  }

  /**
   * Opens the link in that mail that leads to `path`. Links are made for
   * PUBLIC_URL, which the browser tests set to http://localhost:<port> (passkeys
   * need a domain name); this browser is at http://127.0.0.1:<port>, the same
   * server under its other name. The link's path and token are followed here,
   * so that this browser's cookies go with it; the production journey follows
   * links whole, where PUBLIC_URL is the address the browser uses.
   */
  async follow(address: string, subject: string, path: string): Promise<void> {
    const mail = await this.mail(address, subject);
    const link = mail.getByRole('link', { name: new RegExp(`${path.replace(/[/?]/g, '\\$&')}\\?token=`) });
    const href = new URL((await link.getAttribute('href')) ?? '');
    expect(href.hostname).toBe('localhost');
    await this.page.goto(`${href.pathname}${href.search}`);
  }

  /** Opens the verification link mailed to `address` and presses the page's button (opening it alone confirms nothing). */
  async confirmAddress(address: string): Promise<void> {
    await this.follow(address, 'Confirm your email address for Cloakroom', '/verify-email');
    await expect(this.page.getByRole('heading', { name: 'Confirm your email address' })).toBeVisible();
    await this.page.getByRole('button', { name: 'Confirm this address' }).click();
  }
}

/** Registers in this browser with an address, and confirms it through the dev inbox, as a person would. */
export async function registerWithConfirmedAddress(registerPage: RegisterPage, mailCatcherPage: MailCatcherPage, user: Credentials, email: string): Promise<void> {
  await registerPage.goto();
  await registerPage.register(user.username, user.password, user.password, email);
  await expect(registerPage.page).toHaveURL('/dashboard?notice=address-mailed');
  await mailCatcherPage.confirmAddress(email);
  await expect(registerPage.page.getByRole('heading', { name: 'Email address confirmed' })).toBeVisible();
}
