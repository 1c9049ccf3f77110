// provider links: which account a provider's subject signs in to. One
// document per link, {userId, issuer, subject, email, linkedAt}; a subject
// of an issuer links to one account at most (the unique index), whoever
// tries to link it again. The subject (`sub`), never the email address, is
// who the provider says it is: addresses change hands, subjects do not.
import { Schema, type Connection, type Types, type InferSchemaType, type Model } from 'mongoose';

const linkSchema = new Schema(
  {
    userId: { type: Schema.Types.ObjectId, required: true },
    issuer: { type: String, required: true },
    subject: { type: String, required: true },
    // the address the provider gave when linked, to show which account it is
    email: { type: String },
    linkedAt: { type: Date, required: true },
  },
  { strictQuery: true },
);

linkSchema.index({ issuer: 1, subject: 1 }, { unique: true, name: 'issuer_subject_unique' });
linkSchema.index({ userId: 1 }, { name: 'userId' });

export type ProviderLink = InferSchemaType<typeof linkSchema>;
export type ProviderLinkModel = Model<ProviderLink>;

export function createLinkModel(connection: Connection): ProviderLinkModel {
  return (connection.models.OidcLink as ProviderLinkModel | undefined) ?? connection.model<ProviderLink>('OidcLink', linkSchema, 'oidcLinks');
}

// unknown passwords: an account a provider's first sign-in made has a
// password nobody knows, a random one (accounts.ts). Its hash is kept here,
// one document per account, apart from the links: the account may unlink
// every provider (it has a passkey) and its password is still no way in.
// While the account's password hash is this one, the password is unknown;
// once its owner sets one (routes/account.ts, or a mailed reset), the
// hashes differ: the document says nothing more, and goes when next read
// (accounts.ts passwordUnknown), or with the account.
const unknownPasswordSchema = new Schema(
  {
    userId: { type: Schema.Types.ObjectId, required: true },
    passwordHash: { type: String, required: true },
  },
  { strictQuery: true },
);
unknownPasswordSchema.index({ userId: 1 }, { unique: true, name: 'userId_unique' });

export type UnknownPassword = InferSchemaType<typeof unknownPasswordSchema>;
export type UnknownPasswordModel = Model<UnknownPassword>;

export function createUnknownPasswordModel(connection: Connection): UnknownPasswordModel {
  return (
    (connection.models.OidcUnknownPassword as UnknownPasswordModel | undefined) ??
    connection.model<UnknownPassword>('OidcUnknownPassword', unknownPasswordSchema, 'oidcUnknownPasswords')
  );
}

/**
 * Links made before the unknown passwords had their collection carried the
 * mark themselves (placeholderPasswordHash): moved there once, at startup.
 */
export async function moveLinkMarks(links: ProviderLinkModel, unknown: UnknownPasswordModel): Promise<void> {
  const marked = links.collection.find<{ _id: Types.ObjectId; userId: Types.ObjectId; placeholderPasswordHash: string }>(
    { placeholderPasswordHash: { $exists: true } },
    { projection: { userId: 1, placeholderPasswordHash: 1 } },
  );
  for await (const link of marked) {
    await unknown.updateOne({ userId: link.userId }, { $setOnInsert: { passwordHash: link.placeholderPasswordHash } }, { upsert: true });
    await links.collection.updateOne({ _id: link._id }, { $unset: { placeholderPasswordHash: '' } });
  }
}
