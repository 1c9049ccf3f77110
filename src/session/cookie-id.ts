// cookie id: the session ID a request's cookie names, read as express-session
// reads it. The cookie holds "s:<ID>.<signature>", the signature an
// HMAC-SHA256 of the ID with the session secret (any of them, for rotation).
// express-session keeps what it read to itself, so this is for the places
// that need the ID without being express-session: the lab's header, and
// telling a browser whose session was ended elsewhere why it is logged out.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import type { Config } from '../config.js';

/** The first cookie of that name in the Cookie header, URL-decoded, as express-session's parser picks it. */
function cookieValue(req: Request, name: string): string | undefined {
  for (const pair of (req.headers.cookie ?? '').split(';')) {
    const eq = pair.indexOf('=');
    if (eq === -1 || pair.slice(0, eq).trim() !== name) continue;
    try {
      return decodeURIComponent(pair.slice(eq + 1).trim());
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * The session ID in the request's session cookie, if the cookie is there and
 * its signature checks out with one of the secrets; undefined otherwise (no
 * cookie, a forged or altered one, or one signed with a retired secret).
 */
export function sessionIdInCookie(req: Request, config: Pick<Config['session'], 'cookieName' | 'secrets'>): string | undefined {
  const value = cookieValue(req, config.cookieName);
  if (!value?.startsWith('s:')) return undefined;
  const signed = value.slice(2);
  const dot = signed.lastIndexOf('.');
  if (dot === -1) return undefined;
  const id = signed.slice(0, dot);
  for (const secret of config.secrets) {
    const signature = createHmac('sha256', secret).update(id).digest('base64').replace(/=+$/, '');
    const expected = Buffer.from(`${id}.${signature}`);
    const actual = Buffer.from(signed);
    // compared in constant time, as cookie-signature does
    if (expected.length === actual.length && timingSafeEqual(expected, actual)) return id;
  }
  return undefined;
}
