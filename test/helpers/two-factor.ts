// two-factor: turning it on as a person does, for the tests of pages that
// behave differently once it is on.
import assert from 'node:assert/strict';
import { codeAt } from '../../src/features/two-factor/totp.js';
import { testIdText, type Client } from './client.js';

/** The recovery codes on a page that shows them. */
export function recoveryCodesIn(html: string): string[] {
  return [...html.matchAll(/<li><code>([a-z2-9]{6}(?:-[a-z2-9]{6}){3})<\/code><\/li>/g)].map((m) => m[1] ?? '');
}

/** The codes page a form that makes recovery codes redirects to (POST, 303, GET): the codes on it. */
export async function recoveryCodesAfter(client: Client, res: Response): Promise<string[]> {
  assert.equal(res.status, 303);
  assert.equal(res.headers.get('location'), '/account/recovery-codes');
  const page = await client.get('/account/recovery-codes');
  assert.equal(page.status, 200);
  return recoveryCodesIn(await page.text());
}

/**
 * Turns two-factor on for a client that logged in a moment ago (the settings
 * are behind sudo mode): the secret read from the page, one right code; the
 * secret and the ten recovery codes shown once.
 */
export async function turnOnTwoFactor(client: Client): Promise<{ secret: string; recoveryCodes: string[] }> {
  const setup = await client.get('/account/two-factor');
  assert.equal(setup.status, 200);
  const secret = testIdText(await setup.text(), 'totp-secret');
  const res = await client.post('/account/two-factor', { code: codeAt(secret, Date.now()) }, { formPage: '/account/two-factor' });
  const recoveryCodes = await recoveryCodesAfter(client, res);
  assert.equal(recoveryCodes.length, 10);
  return { secret, recoveryCodes };
}
