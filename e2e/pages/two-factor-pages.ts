import type { Locator, Page } from '@playwright/test';

/** /account/two-factor: setting it up, and once it is on, new recovery codes or off. */
export class TwoFactorSettingsPage {
  readonly heading: Locator;
  readonly qrCode: Locator;
  readonly secret: Locator;
  readonly code: Locator;
  readonly turnOn: Locator;
  readonly status: Locator;
  readonly recoveryCodesLeft: Locator;
  readonly newRecoveryCodes: Locator;
  readonly turnOff: Locator;
  readonly setUpAgain: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { name: 'Two-factor login', level: 1 });
    this.qrCode = page.getByRole('img', { name: /QR code/ });
    this.secret = page.getByTestId('totp-secret');
    this.code = page.getByLabel('Code from the app');
    this.turnOn = page.getByRole('button', { name: 'Turn on two-factor login' });
    this.status = page.getByTestId('two-factor-status');
    this.recoveryCodesLeft = page.getByTestId('recovery-codes-left');
    this.newRecoveryCodes = page.getByRole('button', { name: 'Make new recovery codes' });
    this.turnOff = page.getByRole('button', { name: 'Turn off two-factor login' });
    this.setUpAgain = page.getByRole('link', { name: 'Set up two-factor login again' });
  }

  async goto(): Promise<void> {
    await this.page.goto('/account/two-factor');
  }
}

/** The page that shows recovery codes, once. */
export class RecoveryCodesPage {
  readonly heading: Locator;
  readonly codes: Locator;
  readonly saved: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { name: 'Your recovery codes' });
    this.codes = page.getByTestId('recovery-codes').getByRole('listitem');
    this.saved = page.getByRole('link', { name: 'I have saved them' });
  }
}

/** /login/two-factor: the second step of a login. */
export class TwoFactorLoginPage {
  readonly heading: Locator;
  readonly code: Locator;
  readonly submit: Locator;
  readonly startAgain: Locator;
  readonly error: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { name: 'Two-factor check' });
    this.code = page.getByLabel('Code', { exact: true });
    this.submit = page.getByRole('button', { name: 'Continue' });
    this.startAgain = page.getByRole('button', { name: 'Start again with another account' });
    this.error = page.locator('#code-error');
  }

  async enter(code: string): Promise<void> {
    await this.code.fill(code);
    await this.submit.click();
  }
}
