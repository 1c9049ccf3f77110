// trace cookie: which browser is being traced. Opening /lab/trace gives the
// browser this cookie; from then on its requests, in every tab, are recorded
// under it, across logins and logouts (the session cookie changes with each).
// A browser that never opened the trace page has none, and costs nothing.
// Its value names a trace in memory and nothing else: it opens no session.
import type { Request, Response } from 'express';

export const TRACE_COOKIE = 'cloakroom.trace';
const VALID = /^[\w-]{24}$/;

export function traceIdInCookie(req: Request): string | undefined {
  for (const pair of (req.headers.cookie ?? '').split(';')) {
    const eq = pair.indexOf('=');
    if (eq === -1 || pair.slice(0, eq).trim() !== TRACE_COOKIE) continue;
    const value = pair.slice(eq + 1).trim();
    return VALID.test(value) ? value : undefined;
  }
  return undefined;
}

/** Until the browser closes (no Max-Age), for the whole site, unreadable by page scripts. */
export function setTraceCookie(res: Response, browserId: string, secure: boolean): void {
  res.cookie(TRACE_COOKIE, browserId, { httpOnly: true, sameSite: 'lax', secure, path: '/' });
}
