import type { Locator, Page } from '@playwright/test';

export class RegisterPage {
  readonly username: Locator;
  readonly password: Locator;
  readonly confirmPassword: Locator;
  readonly email: Locator;
  readonly submit: Locator;

  constructor(readonly page: Page) {
    this.username = page.getByLabel('Username', { exact: true });
    this.password = page.getByLabel('Password', { exact: true });
    this.confirmPassword = page.getByLabel('Confirm password');
    this.email = page.getByLabel('Email address (optional)');
    this.submit = page.getByRole('button', { name: 'Create account' });
  }

  async goto(): Promise<void> {
    await this.page.goto('/register');
  }

  async register(username: string, password: string, confirmPassword = password, email?: string): Promise<void> {
    await this.username.fill(username);
    await this.password.fill(password);
    await this.confirmPassword.fill(confirmPassword);
    if (email !== undefined) await this.email.fill(email);
    await this.submit.click();
  }
}
