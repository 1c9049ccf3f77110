// inspector: the two halves of a session, side by side, for the dashboard's
// session inspector. What the browser holds (the cookie) and what the server
// holds (the document), with the secrets in both cut short: enough to
// recognise them, never enough to use them.
import type { Request } from 'express';
import type { Config } from '../config.js';
import { sessionDeadlines, timeoutsFor } from './timeouts.js';

const SHOWN = 6;

/** The first few characters and an ellipsis: recognisable, not usable. */
export function shortened(secret: string): string {
  return `${secret.slice(0, SHOWN)}…`;
}

export function browserHalf(req: Request, config: Config['session']) {
  const { cookie } = req.session;
  const sameSite = cookie.sameSite;
  return {
    name: config.cookieName,
    idPrefix: shortened(req.sessionID),
    httpOnly: cookie.httpOnly ?? false,
    secure: cookie.secure === true,
    sameSite: typeof sameSite === 'string' ? sameSite : sameSite ? 'strict' : 'not set',
    path: cookie.path ?? '/',
    expires: cookie.expires ?? undefined,
  };
}

/** The timeouts middleware's deadlines for this session, as dates. */
export function serverDeadlines(req: Request, config: Config['session']) {
  const { idle, absolute } = sessionDeadlines(timeoutsFor(config, req.session), req.session);
  return { idle: new Date(idle), absolute: new Date(absolute), rememberMe: req.session.rememberMe === true };
}

/**
 * The stored document with its secrets cut short: the CSRF token, and what
 * each feature says is its secret (a reset link's token hash, the two-factor
 * setup's sealed secret, the passkey challenges; new recovery codes waiting
 * to be shown are left out). Encrypted or hashed, they are still the session's secrets, and
 * page script has no use for them. The _id is shown whole: it is the SHA-256
 * of the session ID (see race-safe-store.ts), which cannot be turned back
 * into a working cookie.
 */
export function redactedDocument(doc: Record<string, unknown>, features: { redactSession?(session: Record<string, unknown>, shorten: (value: unknown) => unknown): void }[] = []): Record<string, unknown> {
  const session = { ...(doc.session as Record<string, unknown>) };
  const short = (value: unknown) => (typeof value === 'string' ? shortened(value) : value);
  if ('csrfToken' in session) session.csrfToken = short(session.csrfToken);
  // each feature's own secrets in the session (redactSession, src/feature.ts)
  for (const feature of features) feature.redactSession?.(session, short);
  return { ...doc, session };
}

/** A plain object (not an array, not null): what a session field must be before its own fields are redacted. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
