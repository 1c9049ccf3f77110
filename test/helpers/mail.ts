// mail: accounts with a confirmed address, and the links in the mail the
// app sent them, read from the local mail catcher the test app sends to.
import assert from 'node:assert/strict';
import type { CaughtMail } from '../../src/mail/catcher.js';
import type { TestApp } from './app.js';
import { Client, uniqueUsername } from './client.js';

export const PASSWORD = 'the original passphrase';

/** The path (with its query) of the first link in a mail that leads to `path`. */
export function linkIn(mail: CaughtMail, path: string): string {
  const match = new RegExp(`https?://[^/\\s]+(${path.replace(/[/?]/g, '\\$&')}\\?token=[\\w-]+)`).exec(mail.text);
  assert.ok(match?.[1], `a link to ${path} in "${mail.subject}"`);
  return match[1];
}

/** The token of that link. */
export function tokenIn(mail: CaughtMail, path: string): string {
  return new URL(linkIn(mail, path), 'http://x').searchParams.get('token') ?? '';
}

export function mailbox(app: TestApp) {
  const catcher = app.mail;
  assert.ok(catcher, 'the test app sends mail to a local catcher');
  return catcher;
}

/** An address no other test uses (the catcher is the test app's own). */
export function uniqueAddress(prefix: string): string {
  return `${uniqueUsername(prefix).toLowerCase()}@example.test`;
}

/** Follows a verification link in this browser and presses its button, as its owner does; answers where that led. */
export async function confirmAddress(client: Client, link: string): Promise<string | null> {
  const page = await client.get(link);
  if (page.status !== 200) return page.headers.get('location');
  const html = await page.text();
  const field = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1] ?? '';
  const res = await client.post('/verify-email', { token: field('token'), _csrf: field('_csrf') });
  return res.headers.get('location');
}

/** Registers an account with an address and confirms it through the link mailed to it. */
export async function accountWithAddress(app: TestApp, prefix: string) {
  const username = uniqueUsername(prefix);
  const email = uniqueAddress(prefix);
  const client = new Client(app.baseUrl);
  const after = mailbox(app).lastId();
  const res = await client.post('/register', { username, password: PASSWORD, confirmPassword: PASSWORD, email });
  assert.equal(res.status, 303);
  const mail = await mailbox(app).waitFor(email, { after });
  assert.equal(await confirmAddress(client, linkIn(mail, '/verify-email')), '/verify-email/done?outcome=verified');
  const user = await app.users.findOne({ usernameKey: username.toLowerCase() }, { _id: 1 }).lean();
  assert.ok(user);
  return { username, email, client, userId: String(user._id) };
}
