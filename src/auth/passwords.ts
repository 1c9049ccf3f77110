// passwords: bcrypt hashing. bcrypt's native binding runs on libuv's thread
// pool, so a hash never blocks the event loop for other requests.
import bcrypt from 'bcrypt';

export function hashPassword(password: string, cost: number): Promise<string> {
  return bcrypt.hash(password, cost);
}

export interface PasswordVerifier {
  /**
   * Compares a password with a stored hash. With no hash (unknown user) it
   * still does a full bcrypt comparison against a dummy hash and returns false,
   * so "no such user" takes as long as "wrong password" and timing does not
   * reveal which usernames exist.
   */
  verify(password: string, hash: string | undefined): Promise<boolean>;
}

export function createPasswordVerifier(cost: number): PasswordVerifier {
  let dummyHash: Promise<string> | undefined;
  return {
    async verify(password, hash) {
      if (hash === undefined) {
        dummyHash ??= bcrypt.hash('not-a-real-password', cost);
        await bcrypt.compare(password, await dummyHash);
        return false;
      }
      return bcrypt.compare(password, hash);
    },
  };
}
