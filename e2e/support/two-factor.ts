// two-factor: turning it on over HTTP as a test's starting point, and the
// codes an authenticator app would show, computed with otpauth as apps do.
import type { APIRequestContext } from '@playwright/test';
import { Secret, TOTP } from 'otpauth';
import type { Credentials } from './accounts.js';
import { logInOverHttp } from './accounts.js';

export interface TwoFactorCredentials extends Credentials {
  secret: string;
  recoveryCodes: string[];
}

/** The code an authenticator app shows for this secret, `offsetSteps` 30-second steps from now. */
export function totpCode(secret: string, offsetSteps = 0): string {
  const totp = new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });
  return totp.generate({ timestamp: Date.now() + offsetSteps * 30_000 });
}

/** Logs in, turns two-factor on with a code of the previous step, logs out. */
export async function turnOnTwoFactorOverHttp(request: APIRequestContext, baseURL: string, user: Credentials): Promise<TwoFactorCredentials> {
  await logInOverHttp(request, baseURL, user);
  const setup = await (await request.get(`${baseURL}/account/two-factor`)).text();
  const secret = /data-testid="totp-secret"[^>]*>([A-Z2-7]+)</.exec(setup)?.[1];
  const _csrf = /name="_csrf" value="([^"]+)"/.exec(setup)?.[1];
  if (!secret || !_csrf) throw new Error('no secret or form on /account/two-factor');
  // the previous step: a login right after may use the current one (a used step cannot be used again)
  const res = await request.post(`${baseURL}/account/two-factor`, { form: { code: totpCode(secret, -1), _csrf }, maxRedirects: 0 });
  if (res.status() !== 303) throw new Error(`turning two-factor on answered ${res.status()}`);
  // the codes are shown once, on the page the form redirects to
  const shown = await request.get(`${baseURL}/account/recovery-codes`, { maxRedirects: 0 });
  const recoveryCodes = [...(await shown.text()).matchAll(/<li><code>([a-z2-9-]+)<\/code><\/li>/g)].map((m) => m[1] ?? '');
  // the session got a new ID, and a new CSRF token with it
  const logoutToken = /name="_csrf" value="([^"]+)"/.exec(await (await request.get(`${baseURL}/dashboard`)).text())?.[1] ?? '';
  const logout = await request.post(`${baseURL}/logout`, { form: { _csrf: logoutToken }, maxRedirects: 0 });
  if (logout.status() !== 303) throw new Error(`logout answered ${logout.status()}`);
  return { ...user, secret, recoveryCodes };
}
