import type { Locator, Page } from '@playwright/test';

/** The lab's trace page (/lab/trace): the sequence diagram and the list of requests under it. */
export class TracePage {
  readonly heading: Locator;
  readonly status: Locator;
  readonly diagram: Locator;
  /** the list's entries, newest first: each a <details> whose summary is "METHOD /path → status · time" */
  readonly entries: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { level: 1, name: 'Watch your session work' });
    this.status = page.getByTestId('trace-status');
    this.diagram = page.getByTestId('trace-diagram');
    this.entries = page.getByTestId('trace-request');
  }

  async goto(): Promise<void> {
    await this.page.goto('/lab/trace');
  }

  /** The entries' summary lines, oldest first. */
  async requestLines(): Promise<string[]> {
    return (await this.entries.locator('summary').allTextContents()).reverse();
  }

  /** The latest entry whose summary starts with `request` ("POST /login"). */
  entry(request: string): Locator {
    return this.entries.filter({ has: this.page.locator('summary', { hasText: `${request} →` }) }).first();
  }

  /** The drawing's band of the latest request whose arrow says `request`. */
  drawn(request: string): Locator {
    return this.diagram.locator('g.trace-request', { has: this.page.locator('text', { hasText: request }) }).last();
  }
}
