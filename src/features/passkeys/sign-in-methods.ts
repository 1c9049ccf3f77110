// sign-in methods: the ways an account can be signed in to, counted, so that
// removing one never leaves none. Every account has a password today, so a
// passkey can always go; the rule is written for accounts that may one day
// have passkeys only.
import { trusted, Types } from 'mongoose';
import { passkeyIdFrom, type PasskeyModel } from './model.js';
import type { UserModel } from '../../models/user.js';

export type RemovalResult = 'not-found' | 'last-method' | { removed: string };

export function signInMethods(users: UserModel, passkeys: PasskeyModel) {
  async function count(userId: string): Promise<number> {
    const [withPassword, passkeyCount] = await Promise.all([
      // trusted(): sanitizeFilter is on, so operators we write ourselves must say so
      users.exists({ _id: userId, passwordHash: trusted({ $exists: true }) }),
      passkeys.countDocuments({ userId }),
    ]);
    return (withPassword ? 1 : 0) + passkeyCount;
  }

  return {
    count,

    /**
     * Removes one of this user's passkeys (every query carries the user's
     * ID: another user's passkey ID finds nothing), unless it is the last way
     * in. Two removals at once could each count two methods and each remove
     * one: so the count is taken again after the delete, and if nothing is
     * left, the passkey is put back as it was.
     */
    async removePasskey(userId: string, id: Types.ObjectId | string): Promise<RemovalResult> {
      const passkeyId = id instanceof Types.ObjectId ? id : passkeyIdFrom(id);
      if (!passkeyId) return 'not-found';
      if ((await passkeys.exists({ _id: passkeyId, userId })) === null) return 'not-found';
      if ((await count(userId)) <= 1) return 'last-method';
      const removed = await passkeys.findOneAndDelete({ _id: passkeyId, userId }).lean();
      if (!removed) return 'not-found';
      if ((await count(userId)) === 0) {
        await passkeys.collection.insertOne(removed);
        return 'last-method';
      }
      // the name, for the security log
      return { removed: removed.name };
    },
  };
}
