import type { Locator, Page } from '@playwright/test';

/** "Account activity": the account's security log, one item per event, newest first. */
export class ActivityPage {
  readonly heading: Locator;
  readonly events: Locator;
  readonly empty: Locator;
  /** the badge on the events of the browser looking at the page (its known-browser cookie) */
  readonly thisBrowserBadge: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { name: 'Account activity', level: 1 });
    this.events = page.getByRole('list', { name: 'Events, newest first' }).getByRole('listitem');
    this.empty = page.getByText('Nothing has happened to your account yet');
    this.thisBrowserBadge = page.getByText('This browser', { exact: true });
  }

  async goto(): Promise<void> {
    await this.page.goto('/account/activity');
  }

  /** The event that says `what`. */
  event(what: string | RegExp): Locator {
    return this.events.filter({ hasText: what });
  }

  /** The events that say `what` and came from this browser. */
  fromThisBrowser(what: string | RegExp): Locator {
    return this.event(what).filter({ has: this.thisBrowserBadge });
  }

  /** The events that say `what` and came from another browser (or one the site could not tell). */
  fromElsewhere(what: string | RegExp): Locator {
    return this.event(what).filter({ hasNot: this.thisBrowserBadge });
  }
}
