import type { Locator, Page } from '@playwright/test';

export class RedirectRacePage {
  readonly wrongWay: Locator;
  readonly rightWay: Locator;
  readonly result: Locator;

  constructor(readonly page: Page) {
    this.wrongWay = page.getByRole('button', { name: 'Log in the wrong way' });
    this.rightWay = page.getByRole('button', { name: 'Log in the right way' });
    this.result = page.getByTestId('race-result');
  }

  async goto(): Promise<void> {
    await this.page.goto('/lab/redirect-race');
  }
}

export class LostUpdatesPage {
  readonly burst: Locator;
  readonly reset: Locator;
  readonly sessionHits: Locator;
  readonly databaseHits: Locator;
  readonly status: Locator;

  constructor(readonly page: Page) {
    this.burst = page.getByRole('button', { name: /requests at once/ });
    this.reset = page.getByRole('button', { name: 'Reset both counters' });
    this.sessionHits = page.getByTestId('session-hits');
    this.databaseHits = page.getByTestId('database-hits');
    this.status = page.getByTestId('lost-updates-status');
  }

  async goto(): Promise<void> {
    await this.page.goto('/lab/lost-updates');
  }
}

export class SaveUninitializedPage {
  readonly stored: Locator;
  readonly status: Locator;
  readonly empty: Locator;

  constructor(readonly page: Page) {
    this.stored = page.getByTestId('stored-count');
    this.status = page.getByTestId('uninitialized-status');
    this.empty = page.getByRole('button', { name: 'Empty the collection' });
  }

  /** The "Make N visits" button under one setting. */
  visits(setting: boolean): Locator {
    return this.page.locator('section', { has: this.page.getByRole('heading', { name: `saveUninitialized: ${String(setting)}` }) }).getByRole('button');
  }

  async goto(): Promise<void> {
    await this.page.goto('/lab/save-uninitialized');
  }
}

export class ResurrectionPage {
  readonly run: Locator;
  readonly result: Locator;
  readonly steps: Locator;

  constructor(readonly page: Page) {
    this.run = page.getByRole('button', { name: 'Log in, start a slow request, log out' });
    this.result = page.getByTestId('resurrection-result');
    this.steps = page.getByTestId('resurrection-steps').getByRole('listitem');
  }

  async goto(way: 'wrong' | 'right'): Promise<void> {
    await this.page.goto(`/lab/resurrection/${way}`);
  }
}

export class TwoFactorShortcutPage {
  readonly wrongWay: Locator;
  readonly rightWay: Locator;
  readonly skipTheCode: Locator;
  readonly code: Locator;
  readonly checkCode: Locator;
  readonly result: Locator;

  constructor(readonly page: Page) {
    this.wrongWay = page.getByRole('button', { name: 'Enter the password the wrong way' });
    this.rightWay = page.getByRole('button', { name: 'Enter the password the right way' });
    this.skipTheCode = page.getByRole('link', { name: 'Skip the code: ask for the dashboard now' });
    this.code = page.getByLabel('Code', { exact: true });
    this.checkCode = page.getByRole('button', { name: 'Check the code' });
    this.result = page.getByTestId('two-factor-result');
  }

  async goto(): Promise<void> {
    await this.page.goto('/lab/two-factor');
  }
}
