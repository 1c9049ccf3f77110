// passwords: how a password becomes a stored hash, and how it is checked.
import { createHmac } from 'node:crypto';
import bcrypt from 'bcrypt';

export interface BcryptFunctions {
  hash(data: string, cost: number): Promise<string>;
  compare(data: string, encrypted: string): Promise<boolean>;
}

/**
 * Too many hashes are waiting for the hashing threads (auth/bcrypt-pool.ts):
 * the request is refused at once with a 503 page rather than queued for many
 * seconds. No password was checked.
 */
export class HashingQueueFullError extends Error {
  constructor() {
    super('the password-hashing queue is full');
    this.name = 'HashingQueueFullError';
  }
}

/**
 * bcrypt reads only the first 72 bytes of its input and silently ignores the
 * rest, so two long passphrases that start alike would unlock each other
 * (and one emoji can take 4 bytes). Following the OWASP Password Storage cheat
 * sheet, the password is first run through HMAC-SHA-384 keyed with a server
 * secret (the "pepper"), and bcrypt hashes the 64-character base64 result:
 * every character of the password counts, nothing is truncated, and a
 * database leak alone cannot be matched against unsalted hashes leaked
 * elsewhere ("password shucking").
 *
 * NFKC first (NIST SP 800-63B): the same password typed on two keyboards can
 * arrive as different Unicode sequences ("é" as one code point or two).
 */
export function prehash(password: string, pepper: string): string {
  return createHmac('sha384', pepper).update(password.normalize('NFKC'), 'utf8').digest('base64');
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /**
   * Checks a password against a stored hash. With no hash (no such user) it
   * still runs a full bcrypt comparison against a dummy hash and returns
   * false, so "no such user" takes as long as "wrong password" and timing does
   * not reveal which usernames exist.
   */
  verify(password: string, hash: string | undefined): Promise<boolean>;
}

export function createPasswordHasher(options: {
  cost: number;
  pepper: string;
  // the server passes the threads of bcrypt-pool.ts; without them bcrypt's
  // async API runs on libuv's thread pool. Either way the event loop is free.
  bcrypt?: BcryptFunctions;
}): PasswordHasher {
  const { cost, pepper } = options;
  const impl = options.bcrypt ?? bcrypt;
  let dummyHash: Promise<string> | undefined;
  return {
    hash: (password) => impl.hash(prehash(password, pepper), cost),
    async verify(password, hash) {
      if (hash === undefined) {
        dummyHash ??= impl.hash(prehash('not a real password', pepper), cost).catch((err: unknown) => {
          // not kept when it failed (a full hashing queue): the next login makes it
          dummyHash = undefined;
          throw err;
        });
        await impl.compare(prehash(password, pepper), await dummyHash);
        return false;
      }
      return impl.compare(prehash(password, pepper), hash);
    },
  };
}
