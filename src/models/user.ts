// user: an account. The spelling people typed is kept for display; a
// normalized copy carries the unique index, so "Alice" and "alice" are one name.
import { Schema, type Connection, type HydratedDocument, type InferSchemaType, type Model } from 'mongoose';

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
  },
  {
    timestamps: true,
    // strict query: unknown fields in a filter are dropped, not searched for
    strictQuery: true,
  },
);

userSchema.index({ usernameKey: 1 }, { unique: true, name: 'usernameKey_unique' });

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
