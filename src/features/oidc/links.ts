// provider links: which account a provider's subject signs in to. One
// document per link, {userId, issuer, subject, email, linkedAt}; a subject
// of an issuer links to one account at most (the unique index), whoever
// tries to link it again. The subject (`sub`), never the email address, is
// who the provider says it is: addresses change hands, subjects do not.
import { Schema, type Connection, type InferSchemaType, type Model } from 'mongoose';

const linkSchema = new Schema(
  {
    userId: { type: Schema.Types.ObjectId, required: true },
    issuer: { type: String, required: true },
    subject: { type: String, required: true },
    // the address the provider gave when linked, to show which account it is
    email: { type: String },
    linkedAt: { type: Date, required: true },
    // an account this link created has no password anyone knows: the random
    // one it was given, hashed (accounts.ts). While the account still has
    // it, the link is its only way in besides passkeys
    placeholderPasswordHash: { type: String },
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
