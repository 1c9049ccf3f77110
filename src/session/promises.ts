// promises: express-session's callback methods as promises, so route handlers
// can `await` them and respond only once the store has finished.
import type { Request } from 'express';

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** A new session ID with empty data; the old ID is removed from the store. */
export function regenerateSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => {
    req.session.regenerate((err: unknown) => {
      if (err) reject(toError(err));
      else resolve();
    });
  });
}

/** Writes the session to the store now (instead of when the response ends). */
export function saveSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => {
    req.session.save((err: unknown) => {
      if (err) reject(toError(err));
      else resolve();
    });
  });
}

/** Deletes the session from the store; the cookie the browser holds becomes worthless. */
export function destroySession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => {
    req.session.destroy((err: unknown) => {
      if (err) reject(toError(err));
      else resolve();
    });
  });
}
