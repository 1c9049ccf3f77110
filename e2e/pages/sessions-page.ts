import type { Locator, Page } from '@playwright/test';

/** "Your sessions": one row per browser the user is logged in with. */
export class SessionsPage {
  readonly rows: Locator;
  readonly currentRow: Locator;
  readonly otherRows: Locator;
  readonly signOutEverywhereElse: Locator;

  constructor(readonly page: Page) {
    this.rows = page.getByTestId('session-row');
    this.currentRow = page.locator('[data-testid="session-row"][data-current="true"]');
    this.otherRows = page.locator('[data-testid="session-row"]:not([data-current])');
    this.signOutEverywhereElse = page.getByRole('button', { name: 'Sign out everywhere else' });
  }

  async goto(): Promise<void> {
    await this.page.goto('/sessions');
  }
}
