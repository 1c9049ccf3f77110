// password reset: the links of "forgot password", from issue to use. A link
// works once, until its end (PASSWORD_RESET_LINK_LIFETIME, 30 minutes at
// most), and only while nothing newer has happened to the account:
//
// - a newer link replaces it: an account has one passwordReset at a time;
// - any change of the password ends it: the link records a fingerprint of the
//   password hash it was issued for, and the change itself requires that
//   hash to still be the one stored (the account page, another reset, an
//   administrator in the database: every path);
// - so does any change of the address it was mailed to: the link records
//   that address's key, and works only while the account's confirmed address
//   is still that one. Someone who moves their account away from a mailbox
//   they no longer trust (or removes it) ends the links already in it, as the
//   notices promise (mails.ts);
// - using it is one atomic update whose filter holds the token's hash, its
//   end and the old password hash: of several requests with one link,
//   exactly one matches, and the others find the link gone.
//
// (trusted(): the connection sanitizes filters, db/connect.ts, so an
// operator such as $gt written here must say it is meant.)
import { createHash } from 'node:crypto';
import { trusted } from 'mongoose';
import { newLinkToken } from '../../auth/link-tokens.js';
import type { UserModel } from '../../models/user.js';

/** A short, one-way fingerprint of a password hash (which never leaves the user document). */
export function passwordFingerprint(passwordHash: string): string {
  return createHash('sha256').update(passwordHash).digest('hex').slice(0, 32);
}

export interface ResetTarget {
  userId: string;
  username: string;
  email: string | undefined;
  /** the confirmed address's key, which the link was mailed to */
  emailKey: string;
  passwordHash: string;
}

export interface PasswordResets {
  /** A new link for this account, replacing any older one; undefined if the password changed meanwhile. */
  issue(user: { _id: unknown; passwordHash: string; emailKey?: string | null }): Promise<{ token: string; expiresAt: Date } | undefined>;
  /** The account a token may reset now, or undefined (unknown, used, expired, replaced, or the password changed). */
  find(tokenHash: string): Promise<ResetTarget | undefined>;
  /**
   * Sets the new password if the link is still good, in the same atomic
   * update that uses the link up and revokes the account's sessions (its
   * generation, see session/revocation.ts). False if another request got there first.
   */
  complete(tokenHash: string, target: ResetTarget, newPasswordHash: string): Promise<boolean>;
}

export function passwordResets(users: UserModel, lifetimeMs: number): PasswordResets {
  return {
    async issue(user) {
      const { token, tokenHash } = newLinkToken();
      const expiresAt = new Date(Date.now() + lifetimeMs);
      // only to a confirmed address, and only while it is still the account's
      if (!user.emailKey) return undefined;
      const result = await users.updateOne(
        { _id: user._id, passwordHash: user.passwordHash, emailKey: user.emailKey },
        { $set: { passwordReset: { tokenHash, expiresAt, passwordFingerprint: passwordFingerprint(user.passwordHash), emailKey: user.emailKey } } },
      );
      return result.modifiedCount === 1 ? { token, expiresAt } : undefined;
    },

    async find(tokenHash) {
      const user = await users
        .findOne(
          { 'passwordReset.tokenHash': tokenHash, 'passwordReset.expiresAt': trusted({ $gt: new Date() }) },
          { username: 1, email: 1, emailKey: 1, passwordHash: 1, passwordReset: 1 },
        )
        .lean();
      const link = user?.passwordReset;
      if (!user || !link || link.passwordFingerprint !== passwordFingerprint(user.passwordHash)) return undefined;
      // the address it was mailed to is no longer the account's
      if (!link.emailKey || link.emailKey !== user.emailKey) return undefined;
      return { userId: String(user._id), username: user.username, email: user.email ?? undefined, emailKey: link.emailKey, passwordHash: user.passwordHash };
    },

    async complete(tokenHash, target, newPasswordHash) {
      const result = await users.updateOne(
        {
          _id: target.userId,
          'passwordReset.tokenHash': tokenHash,
          'passwordReset.expiresAt': trusted({ $gt: new Date() }),
          passwordHash: target.passwordHash,
          // the address may have changed since find(): checked again here
          emailKey: target.emailKey,
          'passwordReset.emailKey': target.emailKey,
        },
        { $set: { passwordHash: newPasswordHash }, $unset: { passwordReset: 1 }, $inc: { sessionGeneration: 1 } },
      );
      return result.modifiedCount === 1;
    },
  };
}
