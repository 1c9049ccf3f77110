// email verification: an address joins an account only once a link sent to
// it has been followed. Until then it waits in pendingEmail, with only the
// link's hash, and receives nothing but that link. Following it is one
// atomic update whose filter holds the hash: a link works once, and the
// unique index on emailKey (models/user.ts) settles two accounts racing for
// one address.
import { emailKey } from '../../auth/email-address.js';
import { cancelEmailChange } from './pending-email.js';
export { cancelEmailChange };
import { trusted } from 'mongoose';
import { hashLinkToken, newLinkToken } from '../../auth/link-tokens.js';
import { isDuplicateKeyError, type UserModel } from '../../models/user.js';

export type VerifyOutcome = 'verified' | 'invalid' | 'taken';

export interface EmailVerification {
  /**
   * Puts the address in waiting (replacing any other waiting one) and returns
   * the token for its link. `askedBy`: the handle of the session asking.
   */
  start(userId: string, address: string, askedBy?: string): Promise<{ token: string; expiresAt: Date } | undefined>;
  /** Follows a link: the waiting address becomes the account's verified one; `replaced` is the address it took the place of. */
  confirm(token: string): Promise<{ outcome: VerifyOutcome; userId?: string; replaced?: string }>;
  /** Cancels the waiting address, if any (only the one `askedBy` this session, when given); says whether there was one. */
  cancel(userId: string, askedBy?: string): Promise<boolean>;
  /** Removes the address, verified or waiting; false if there was none (removed meanwhile, in another tab). */
  remove(userId: string): Promise<boolean>;
}


export function emailVerification(users: UserModel, lifetimeMs: number): EmailVerification {
  return {
    async start(userId, address, askedBy) {
      const { token, tokenHash } = newLinkToken();
      const expiresAt = new Date(Date.now() + lifetimeMs);
      const result = await users.updateOne(
        { _id: userId },
        { $set: { pendingEmail: { address, key: emailKey(address), tokenHash, expiresAt, askedBy } } },
      );
      return result.matchedCount === 1 ? { token, expiresAt } : undefined;
    },

    async confirm(token) {
      const tokenHash = hashLinkToken(token);
      const user = await users
        .findOne({ 'pendingEmail.tokenHash': tokenHash, 'pendingEmail.expiresAt': trusted({ $gt: new Date() }) }, { pendingEmail: 1, email: 1 })
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
        if (result.modifiedCount !== 1) return { outcome: 'invalid' };
        const replaced = user.email && emailKey(user.email) !== pending.key ? user.email : undefined;
        return { outcome: 'verified', userId: String(user._id), replaced };
      } catch (err) {
        // another account verified this address first
        if (isDuplicateKeyError(err)) return { outcome: 'taken', userId: String(user._id) };
        throw err;
      }
    },

    cancel: (userId, askedBy) => cancelEmailChange(users, userId, askedBy),

    async remove(userId) {
      const result = await users.updateOne(
        { _id: userId, $or: [{ email: trusted({ $exists: true }) }, { pendingEmail: trusted({ $exists: true }) }] },
        { $unset: { email: 1, emailKey: 1, pendingEmail: 1, passwordReset: 1 } },
      );
      return result.modifiedCount === 1;
    },
  };
}
