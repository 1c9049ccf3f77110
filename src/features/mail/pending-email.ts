// pending email: an address change waiting for its link (models/user.ts
// pendingEmail). Cancelled when the session that asked for it is signed out
// (onSessionEnded, index.ts), besides every revocation, which clears it in
// its own update (session/revocation.ts), so that a thief's change never
// outlives the thief's session.
import { trusted } from 'mongoose';
import type { UserModel } from '../../models/user.js';

/** Cancels the address waiting for its link, if any (only the one `askedBy` that session, when given); says whether there was one. */
/** The account's field that holds it (models/user.ts). */
export const PENDING_EMAIL = 'pendingEmail';

export async function cancelEmailChange(users: UserModel, userId: string, askedBy?: string): Promise<boolean> {
  const filter = askedBy === undefined ? { _id: userId, 'pendingEmail.address': trusted({ $exists: true }) } : { _id: userId, 'pendingEmail.askedBy': askedBy };
  const result = await users.updateOne(filter, { $unset: { pendingEmail: 1 } });
  return result.modifiedCount === 1;
}
