import type { Locator, Page } from '@playwright/test';

/** "Your passkeys": one row per passkey, each with its rename and remove forms. */
export class PasskeysPage {
  readonly rows: Locator;
  readonly add: Locator;
  readonly status: Locator;
  readonly error: Locator;

  constructor(readonly page: Page) {
    this.rows = page.getByTestId('passkey-row');
    this.add = page.getByRole('link', { name: 'Add a passkey' });
    this.status = page.getByRole('main').getByRole('status');
    this.error = page.getByRole('main').getByRole('alert');
  }

  async goto(): Promise<void> {
    await this.page.goto('/account/passkeys');
  }

  row(name: string): Locator {
    return this.rows.filter({ has: this.page.getByRole('heading', { name }) });
  }

  async rename(from: string, to: string): Promise<void> {
    await this.page.getByLabel(`New name for ${from}`).fill(to);
    await this.page.getByRole('button', { name: `Rename ${from}` }).click();
  }

  async remove(name: string): Promise<void> {
    await this.page.getByRole('button', { name: `Remove ${name}` }).click();
  }
}

/** "Add a passkey": a name, then the browser's own dialog (a virtual authenticator in tests). */
export class AddPasskeyPage {
  readonly name: Locator;
  readonly create: Locator;
  readonly error: Locator;

  constructor(readonly page: Page) {
    this.name = page.getByLabel('Name', { exact: true });
    this.create = page.getByRole('button', { name: 'Create the passkey' });
    this.error = page.getByRole('main').getByRole('alert');
  }

  async goto(): Promise<void> {
    await this.page.goto('/account/passkeys/new');
  }

  async addPasskey(name: string): Promise<void> {
    await this.name.fill(name);
    await this.create.click();
  }
}
