import type { Locator, Page } from '@playwright/test';

export class ChangePasswordPage {
  readonly currentPassword: Locator;
  readonly newPassword: Locator;
  readonly confirmPassword: Locator;
  readonly submit: Locator;
  readonly status: Locator;

  constructor(readonly page: Page) {
    this.currentPassword = page.getByLabel('Current password');
    this.newPassword = page.getByLabel('New password', { exact: true });
    this.confirmPassword = page.getByLabel('Confirm new password');
    this.submit = page.getByRole('button', { name: 'Change password' });
    this.status = page.getByRole('main').getByRole('status');
  }

  async goto(): Promise<void> {
    await this.page.goto('/account/password');
  }

  async change(current: string, next: string): Promise<void> {
    await this.currentPassword.fill(current);
    await this.newPassword.fill(next);
    await this.confirmPassword.fill(next);
    await this.submit.click();
  }
}

export class DeleteAccountPage {
  readonly confirm: Locator;
  readonly submit: Locator;

  constructor(readonly page: Page) {
    this.confirm = page.getByLabel('Yes, delete my account for good');
    this.submit = page.getByRole('button', { name: 'Delete my account' });
  }

  async goto(): Promise<void> {
    await this.page.goto('/account/delete');
  }

  /** Ticks the box and deletes (the password was checked recently: sudo mode, else ConfirmPage first). */
  async deleteAccount(): Promise<void> {
    await this.confirm.check();
    await this.submit.click();
  }
}

/** Sudo mode's one prompt: the password again before what matters most. */
export class ConfirmPage {
  readonly heading: Locator;
  readonly password: Locator;
  readonly submit: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { name: 'Confirm it is you' });
    this.password = page.getByLabel('Password', { exact: true });
    this.submit = page.getByRole('button', { name: 'Confirm' });
  }

  async confirmWith(password: string): Promise<void> {
    await this.password.fill(password);
    await this.submit.click();
  }
}
