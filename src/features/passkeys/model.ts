// passkey: a WebAuthn credential registered to an account. The browser's
// authenticator keeps the private key; this keeps what checks its signatures:
// the public key, the signature counter, and where it was last used.
import { Schema, Types, type Connection, type InferSchemaType, type Model } from 'mongoose';

const passkeySchema = new Schema(
  {
    userId: { type: Schema.Types.ObjectId, required: true },
    // the credential ID, base64url: how the browser names the passkey at login
    credentialId: { type: String, required: true },
    // COSE-encoded public key, as the authenticator gave it at registration
    publicKey: { type: Buffer, required: true },
    // the authenticator's signature counter: a value that does not grow means
    // a cloned authenticator (synced passkeys always send 0, and that is fine)
    counter: { type: Number, required: true, default: 0 },
    // how the browser may reach the authenticator (internal, usb, hybrid...)
    transports: { type: [String], default: [] },
    // the WebAuthn user handle the passkey was created with: random, never the user ID
    userHandle: { type: String, required: true },
    // what the owner calls it ("Laptop", "Phone")
    name: { type: String, required: true },
    // synced (multiDevice) or bound to one device (singleDevice), and whether it is backed up
    deviceType: { type: String, required: true },
    backedUp: { type: Boolean, required: true, default: false },
    lastUsedAt: { type: Date, default: null },
  },
  { timestamps: true, strictQuery: true },
);

// a user's passkeys, listed and counted by user
passkeySchema.index({ userId: 1 }, { name: 'userId' });
// one passkey per credential ID, whoever tries to register it again
passkeySchema.index({ credentialId: 1 }, { unique: true, name: 'credentialId_unique' });

export type Passkey = InferSchemaType<typeof passkeySchema>;
export type PasskeyModel = Model<Passkey>;

export const PASSKEYS_COLLECTION = 'passkeys';

/** The passkey model on this connection (created once, so the app and its services share it). */
export function createPasskeyModel(connection: Connection): PasskeyModel {
  return (connection.models.Passkey as PasskeyModel | undefined) ?? connection.model<Passkey>('Passkey', passkeySchema, PASSKEYS_COLLECTION);
}

/** A passkey's ID from a form, or undefined for anything that is not one. */
export function passkeyIdFrom(value: unknown): Types.ObjectId | undefined {
  return typeof value === 'string' && /^[0-9a-f]{24}$/.test(value) ? new Types.ObjectId(value) : undefined;
}
