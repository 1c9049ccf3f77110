// ways in: what can sign in to an account, counted in one place, so that no
// removal (a passkey, a provider's link) leaves none.
//
//   the password       1, if its owner knows it: not the random one a
//                      provider's first sign-in gave the account (a feature
//                      says so: passwordUnknown, src/feature.ts)
//   + each feature's   its passkeys, its provider links (waysIn)
//
// A removal counts first (refused at 1 or less: what it removes is the last),
// removes, and counts again: two removals at once (two tabs, a passkey and a
// link) each saw the other's still there, so the one that finds none left
// puts its own back (features/passkeys/sign-in-methods.ts, features/oidc/linked-routes.ts).
import { trusted } from 'mongoose';
import type { UserModel } from '../models/user.js';

/** What a feature tells the count (src/feature.ts Feature). */
export interface WaysInHooks {
  waysIn?(userId: string): Promise<number>;
  passwordUnknown?(userId: string): Promise<boolean>;
}

export interface WaysIn {
  /** whether the account has a password its owner knows */
  passwordKnown(userId: string): Promise<boolean>;
  /** the password, if known, and every feature's ways in */
  count(userId: string): Promise<number>;
}

export function waysIn(users: UserModel, features: readonly WaysInHooks[]): WaysIn {
  async function passwordKnown(userId: string): Promise<boolean> {
    // trusted(): sanitizeFilter is on, so operators we write ourselves must say so
    if ((await users.exists({ _id: userId, passwordHash: trusted({ $exists: true }) })) === null) return false;
    for (const feature of features) if (await feature.passwordUnknown?.(userId)) return false;
    return true;
  }

  return {
    passwordKnown,
    async count(userId) {
      const counts = await Promise.all([passwordKnown(userId).then((known) => (known ? 1 : 0)), ...features.map((feature) => feature.waysIn?.(userId) ?? 0)]);
      return counts.reduce((sum, n) => sum + n, 0);
    },
  };
}
