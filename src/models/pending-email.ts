// pending email: an address change waiting for its link (models/user.ts
// pendingEmail). Cancelled when the session that asked for it ends
// (routes/sessions.ts), besides every revocation (session/revocation.ts),
// so that a thief's change never outlives the thief's session.
import { trusted } from 'mongoose';
import type { UserModel } from './user.js';

/** Cancels the address waiting for its link, if any (only the one `askedBy` that session, when given); says whether there was one. */
export async function cancelEmailChange(users: UserModel, userId: string, askedBy?: string): Promise<boolean> {
  const filter = askedBy === undefined ? { _id: userId, 'pendingEmail.address': trusted({ $exists: true }) } : { _id: userId, 'pendingEmail.askedBy': askedBy };
  const result = await users.updateOne(filter, { $unset: { pendingEmail: 1 } });
  return result.modifiedCount === 1;
}
