// user: an account. The spelling people typed is kept for display; a
// normalized copy carries the unique index, so "Alice" and "alice" are one name.
import { Schema, type Connection, type HydratedDocument, type InferSchemaType, type Model } from 'mongoose';

// two-factor login with an authenticator app; absent while it is off. Its
// fields change together, each change one atomic update (features/two-factor/routes.ts)
const twoFactorSchema = new Schema(
  {
    // the TOTP secret, encrypted (features/two-factor/secret-box.ts): never stored in the clear
    secret: { type: String, required: true },
    enabledAt: { type: Date, required: true },
    // the time step of the last code accepted: only a later step is accepted
    // next, so a code seen over someone's shoulder cannot be used again
    lastUsedStep: { type: Number, required: true },
    // HMAC-SHA-256 of each recovery code not used yet; a used one is pulled out
    recoveryCodes: { type: [String], required: true, default: undefined },
  },
  { _id: false },
);

const userSchema = new Schema(
  {
    username: { type: String, required: true },
    usernameKey: { type: String, required: true },
    passwordHash: { type: String, required: true },
    // lifetime dashboard visits across all sessions, only ever changed with $inc
    lifetimeVisits: { type: Number, required: true, default: 0 },
    // bumped whenever all the user's sessions are revoked (password change,
    // "sign out everywhere else", account deletion); see session/revocation.ts
    sessionGeneration: { type: Number, required: true, default: 0 },
    twoFactor: { type: twoFactorSchema, required: false, default: undefined },
    // email (optional, mail/): a verified address only, as typed and
    // normalised; the only fields forgot-password mail goes to
    email: { type: String },
    emailKey: { type: String },
    // an address waiting for its verification link, with only the link's hash,
    // and the handle of the session that asked for it: ending that session
    // (or revoking them all) cancels the change (session/revocation.ts)
    pendingEmail: { address: String, key: String, tokenHash: String, expiresAt: Date, askedBy: String },
    // the password-reset link in force (a newer one replaces it): its hash,
    // its end, a fingerprint of the password hash it may replace, and the
    // key of the address it was mailed to
    passwordReset: { tokenHash: String, expiresAt: Date, passwordFingerprint: String, emailKey: String },
  },
  {
    timestamps: true,
    // strict query: unknown fields in a filter are dropped, not searched for
    strictQuery: true,
  },
);

userSchema.index({ usernameKey: 1 }, { unique: true, name: 'usernameKey_unique' });
// unique among verified addresses: emailKey is set only once an address is
// verified, and a sparse index leaves out the documents without it. (A
// partial index, partialFilterExpression {emailKey: {$exists: true}}, says
// the same; sparse is what every MongoDB-compatible server supports.) Two
// accounts may both be waiting to verify one address: the first link
// followed wins, the second gets "already in use".
userSchema.index({ emailKey: 1 }, { unique: true, sparse: true, name: 'emailKey_unique_verified' });
// links are looked up by the hash of their token
userSchema.index({ 'pendingEmail.tokenHash': 1 }, { sparse: true, name: 'pendingEmail_tokenHash' });
userSchema.index({ 'passwordReset.tokenHash': 1 }, { sparse: true, name: 'passwordReset_tokenHash' });

export type User = InferSchemaType<typeof userSchema>;
export type UserDocument = HydratedDocument<User>;
export type UserModel = Model<User>;

export function usernameKey(username: string): string {
  // usernames are ASCII only (see validation), so lower-casing is enough
  return username.toLowerCase();
}

export function createUserModel(connection: Connection): UserModel {
  return connection.model<User>('User', userSchema, 'users');
}

/** Whether an error is MongoDB's "duplicate key" (E11000), e.g. a taken username. */
export function isDuplicateKeyError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && err.code === 11000;
}
