// sign-in methods: removing a passkey never leaves the account no way in,
// by the core's one count of them (CoreDeps.waysIn, auth/ways-in.ts): the
// password if its owner knows it (not the random one of an account a
// provider made), the passkeys, a provider's links.
import { Types } from 'mongoose';
import type { WaysIn } from '../../feature.js';
import { passkeyIdFrom, type PasskeyModel } from './model.js';

export type RemovalResult = 'not-found' | 'last-method' | { removed: string };

export function signInMethods(waysIn: WaysIn, passkeys: PasskeyModel) {
  const count = (userId: string) => waysIn.count(userId);

  return {
    /**
     * Removes one of this user's passkeys (every query carries the user's
     * ID: another user's passkey ID finds nothing), unless it is the last way
     * in. Two removals at once (two passkeys, or a passkey and a provider's
     * link) could each count two ways and each remove one: so the count is
     * taken again after the delete, and if nothing is left, the passkey is
     * put back as it was.
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
