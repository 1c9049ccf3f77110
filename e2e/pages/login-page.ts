import type { Locator, Page } from '@playwright/test';

export class LoginPage {
  readonly heading: Locator;
  readonly username: Locator;
  readonly password: Locator;
  readonly keepSignedIn: Locator;
  readonly submit: Locator;
  readonly error: Locator;
  readonly passkey: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { name: 'Log in' });
    this.username = page.getByLabel('Username', { exact: true });
    this.password = page.getByLabel('Password', { exact: true });
    this.keepSignedIn = page.getByLabel('Keep me signed in on this device');
    this.submit = page.getByRole('main').getByRole('button', { name: 'Log in' });
    this.error = page.getByRole('alert');
    this.passkey = page.getByRole('button', { name: 'Sign in with a passkey' });
  }

  async goto(): Promise<void> {
    await this.page.goto('/login');
  }

  async login(username: string, password: string, options: { keepSignedIn?: boolean } = {}): Promise<void> {
    await this.username.fill(username);
    await this.password.fill(password);
    if (options.keepSignedIn) await this.keepSignedIn.check();
    await this.submit.click();
  }
}
