// email verification: an address joins an account only once a link sent to
// it has been followed. Until then it waits in pendingEmail, with only the
// link's hash, and receives nothing but that link. Following it is one
// atomic update whose filter holds the hash: a link works once, and the
// unique index on emailKey (models/user.ts) settles two accounts racing for
// one address.
import { emailKey } from './email-address.js';
import { trusted } from 'mongoose';
import { hashLinkToken, newLinkToken } from './link-tokens.js';
import { isDuplicateKeyError, type UserModel } from '../models/user.js';

export type VerifyOutcome = 'verified' | 'invalid' | 'taken';

export interface EmailVerification {
  /** Puts the address in waiting (replacing any other waiting one) and returns the token for its link. */
  start(userId: string, address: string): Promise<{ token: string; expiresAt: Date } | undefined>;
  /** Follows a link: the waiting address becomes the account's verified one. */
  confirm(token: string): Promise<{ outcome: VerifyOutcome; userId?: string }>;
  /** Removes the address, verified or waiting. */
  remove(userId: string): Promise<void>;
}

export function emailVerification(users: UserModel, lifetimeMs: number): EmailVerification {
  return {
    async start(userId, address) {
      const { token, tokenHash } = newLinkToken();
      const expiresAt = new Date(Date.now() + lifetimeMs);
      const result = await users.updateOne(
        { _id: userId },
        { $set: { pendingEmail: { address, key: emailKey(address), tokenHash, expiresAt } } },
      );
      return result.matchedCount === 1 ? { token, expiresAt } : undefined;
    },

    async confirm(token) {
      const tokenHash = hashLinkToken(token);
      const user = await users
        .findOne({ 'pendingEmail.tokenHash': tokenHash, 'pendingEmail.expiresAt': trusted({ $gt: new Date() }) }, { pendingEmail: 1 })
        .lean();
      const pending = user?.pendingEmail;
      if (!user || !pending?.address || !pending.key) return { outcome: 'invalid' };
      try {
        const result = await users.updateOne(
          { _id: user._id, 'pendingEmail.tokenHash': tokenHash },
          // a reset link mailed to the address being replaced dies with it
          // (password-reset.ts checks the address as well)
          { $set: { email: pending.address, emailKey: pending.key }, $unset: { pendingEmail: 1, passwordReset: 1 } },
        );
        return result.modifiedCount === 1 ? { outcome: 'verified', userId: String(user._id) } : { outcome: 'invalid' };
      } catch (err) {
        // another account verified this address first
        if (isDuplicateKeyError(err)) return { outcome: 'taken', userId: String(user._id) };
        throw err;
      }
    },

    async remove(userId) {
      await users.updateOne({ _id: userId }, { $unset: { email: 1, emailKey: 1, pendingEmail: 1, passwordReset: 1 } });
    },
  };
}
