import type { Locator, Page } from '@playwright/test';

export class DashboardPage {
  readonly heading: Locator;
  readonly visitCount: Locator;
  readonly lifetimeVisits: Locator;
  readonly logoutButton: Locator;
  /** the session inspector's "Expires" of the cookie */
  readonly cookieExpires: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { level: 1 });
    this.visitCount = page.getByTestId('visit-count');
    this.lifetimeVisits = page.getByTestId('lifetime-visits');
    this.logoutButton = page.getByRole('button', { name: 'Log out' });
    this.cookieExpires = page.getByTestId('cookie-expires');
  }

  async goto(): Promise<void> {
    await this.page.goto('/dashboard');
  }

  async logout(): Promise<void> {
    await this.logoutButton.click();
  }
}
