import type { Locator, Page } from '@playwright/test';

/** "Account activity": the account's security log, one item per event, newest first. */
export class ActivityPage {
  readonly heading: Locator;
  readonly events: Locator;
  readonly empty: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { name: 'Account activity', level: 1 });
    this.events = page.getByRole('list', { name: 'Events, newest first' }).getByRole('listitem');
    this.empty = page.getByText('Nothing has happened to your account yet');
  }

  async goto(): Promise<void> {
    await this.page.goto('/account/activity');
  }

  /** The event that says `what`. */
  event(what: string | RegExp): Locator {
    return this.events.filter({ hasText: what });
  }
}
