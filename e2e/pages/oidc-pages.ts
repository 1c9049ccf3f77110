import { expect, type Locator, type Page } from '@playwright/test';

/**
 * The local OpenID provider's own login page (oidc-provider's development
 * page, tools/e2e-oidc-provider.ts): not ours, and without labels, so found
 * by its placeholders. Any login signs in as a new person, login@example.test.
 */
export class ProviderLoginPage {
  readonly login: Locator;
  readonly password: Locator;
  readonly submit: Locator;

  constructor(readonly page: Page) {
    this.login = page.getByPlaceholder('Enter any login');
    this.password = page.getByPlaceholder('and password');
    this.submit = page.getByRole('button', { name: 'Sign-in' });
  }

  async signIn(login: string): Promise<void> {
    await expect(this.login).toBeVisible();
    await this.login.fill(login);
    await this.password.fill('any password: the local provider takes any');
    await this.submit.click();
  }
}

/** /account/linked: the provider this account signs in with (features/oidc/linked-routes.ts). */
export class LinkedAccountsPage {
  readonly heading: Locator;
  readonly linked: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { name: 'Linked sign-in' });
    this.linked = page.getByTestId('linked-provider');
  }

  async goto(): Promise<void> {
    await this.page.goto('/account/linked');
  }

  link(provider: string): Locator {
    return this.page.getByRole('button', { name: `Link ${provider}` });
  }

  get unlink(): Locator {
    return this.page.getByRole('button', { name: 'Unlink' });
  }
}
