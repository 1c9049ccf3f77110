// lab session: the lab's express-session instances. They differ only in their
// store, their cookie's name and path, and saveUninitialized; the cookie's
// flags are the app's own (session/middleware.ts).
import type { RequestHandler } from 'express';
import session, { type Store } from 'express-session';
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
