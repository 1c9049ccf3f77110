// lab session: the lab's express-session instances. They differ only in their
// store, their cookie's name and path, and saveUninitialized; the cookie's
// flags are the app's own (session/middleware.ts).
import type { Request, RequestHandler } from 'express';
import session, { type Session, type SessionData, type Store } from 'express-session';
import type { Config } from '../config.js';
import { cookieOptions } from '../session/middleware.js';

// a lab session outlives a short experiment, not a day
export const LAB_SESSION_MAX_AGE_MS = 60 * 60 * 1000;

export function labSession(
  config: Config['session'],
  options: { store: Store; name: string; path: string; saveUninitialized?: boolean; maxAgeMs?: number },
): RequestHandler {
  const { maxAge: _appMaxAge, ...flags } = cookieOptions(config);
  return session({
    store: options.store,
    name: options.name,
    secret: config.secrets,
    resave: false,
    saveUninitialized: options.saveUninitialized ?? false,
    // without a maxAge the cookie lasts until the browser closes
    cookie: { ...flags, path: options.path, ...(options.maxAgeMs === undefined ? {} : { maxAge: options.maxAgeMs }) },
  });
}

/**
 * What the lab's own sessions hold. Deliberately not added to express-session's
 * SessionData (session/session-data.ts): the real routes cannot even name
 * these fields, and the lab reaches them only through labData().
 */
export interface LabSessionData {
  // the redirect race: a name given at the lab's pretend login
  labVisitor?: string;
  // lost updates: this lab session's key in lab_counters, and its own counter
  labId?: string;
  labHits?: number;
  // the two-factor shortcut: the wrong way's user (set at the password
  // step), whether its code was ever entered, and the right way's pending login
  labTwoFactorUser?: string;
  labTwoFactorCodeChecked?: boolean;
  labTwoFactorPending?: string;
}

/** This request's lab session, with the lab's fields. */
export function labData(req: Request): Session & Partial<SessionData> & LabSessionData {
  return req.session;
}
