// accounts: which account a provider's sign-in opens, and the account a
// first sign-in creates.
//
//   a linked subject            its account
//   an unknown subject with a   a new account, the address confirmed on it
//   verified address no
//   account has confirmed
//   a verified address an       nothing: never linked by the address. Whoever
//   account has confirmed       controls the address at the provider is not
//                               proven to be that account's owner; the owner
//                               links the provider from their settings, after
//                               logging in (linked-routes.ts)
//   no verified address         nothing: an unverified address proves no one
//
// A new account has no password: it is given a random one, never shown,
// whose hash is kept as unknown (links.ts). Every password typed for it is
// refused, as a wrong one is; the core asks passwordUnknown (src/feature.ts):
// the password is not counted as a way in (auth/ways-in.ts), and its owner
// sets one from the password form, in sudo mode, without giving the current
// one (routes/account.ts); "Forgot your password?" works too where mail is on.
import { randomBytes } from 'node:crypto';
import { emailKey } from '../../auth/email-address.js';
import { USERNAME_MAX, USERNAME_MIN } from '../../auth/forms.js';
import type { PasswordHasher } from '../../auth/passwords.js';
import { isDuplicateKeyError, usernameKey, type UserModel } from '../../models/user.js';
import type { ProviderLinkModel, UnknownPasswordModel } from './links.js';
import type { ProviderIdentity } from './provider.js';
import type { ThrottleVerdict } from '../../security/throttle.js';

export type AccountForSignIn =
  | { outcome: 'linked'; userId: string }
  | { outcome: 'created'; userId: string; username: string }
  | { outcome: 'address-taken' }
  | { outcome: 'not-verified' }
  /** a new account, past the address's registrations this hour (REGISTRATIONS_PER_IP_PER_HOUR) */
  | { outcome: 'too-many'; retryAfterSeconds: number };

/** A username from an address's local part: its allowed characters, long enough, short enough, with a suffix if taken. */
export function usernameFrom(email: string, suffix = ''): string {
  const local = (email.split('@')[0] ?? '').replace(/[^A-Za-z0-9._-]/g, '');
  const base = (local.length >= USERNAME_MIN ? local : `${local}user`).slice(0, USERNAME_MAX - suffix.length);
  return `${base}${suffix}`;
}

export function providerAccounts(deps: { users: UserModel; links: ProviderLinkModel; unknownPasswords: UnknownPasswordModel; passwords: PasswordHasher }) {
  const { users, links, unknownPasswords, passwords } = deps;

  async function create(identity: ProviderIdentity & { email: string }, mayRegister: () => Promise<ThrottleVerdict>): Promise<AccountForSignIn> {
    const key = emailKey(identity.email);
    const passwordHash = await passwords.hash(randomBytes(32).toString('base64url'));
    for (let tries = 0; tries < 5; tries++) {
      const username = usernameFrom(identity.email, tries === 0 ? '' : `-${randomBytes(3).toString('hex')}`);
      try {
        const user = await users.create({ username, usernameKey: usernameKey(username), passwordHash, email: identity.email, emailKey: key });
        try {
          // marked unknown before the link makes it an account anyone signs in to
          await unknownPasswords.create({ userId: user._id, passwordHash });
          await links.create({ userId: user._id, issuer: identity.issuer, subject: identity.subject, email: identity.email, linkedAt: new Date() });
        } catch (err) {
          // the same subject's first sign-in in another tab won: this account goes
          await unknownPasswords.deleteOne({ userId: user._id });
          await users.deleteOne({ _id: user._id });
          if (isDuplicateKeyError(err)) return find(identity, mayRegister);
          throw err;
        }
        return { outcome: 'created', userId: String(user._id), username };
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
        // the address was confirmed on another account meanwhile: never linked by address
        if (await users.exists({ emailKey: key })) return { outcome: 'address-taken' };
        // the username was taken: another, with a suffix
      }
    }
    throw new Error('no free username for a new account after five tries');
  }

  /** `mayRegister`: counts a new account against the address's registrations, as the registration form does. */
  async function find(identity: ProviderIdentity, mayRegister: () => Promise<ThrottleVerdict>): Promise<AccountForSignIn> {
    const link = await links.findOne({ issuer: identity.issuer, subject: identity.subject }, { userId: 1 }).lean();
    if (link) return { outcome: 'linked', userId: String(link.userId) };
    if (!identity.emailVerified || identity.email === undefined) return { outcome: 'not-verified' };
    if (await users.exists({ emailKey: emailKey(identity.email) })) return { outcome: 'address-taken' };
    const verdict = await mayRegister();
    if (verdict.blocked) return { outcome: 'too-many', retryAfterSeconds: verdict.retryAfterSeconds };
    return create({ ...identity, email: identity.email }, mayRegister);
  }

  return {
    /** The account this sign-in opens, made if it is the subject's first (see above). */
    forSignIn: find,

    /** The account the subject is linked to, if any. */
    async accountOf(identity: ProviderIdentity): Promise<string | undefined> {
      const link = await links.findOne({ issuer: identity.issuer, subject: identity.subject }, { userId: 1 }).lean();
      return link ? String(link.userId) : undefined;
    },

    /** Links the subject to the account logged in; 'taken' if it signs in to another account. */
    async link(userId: string, identity: ProviderIdentity): Promise<'linked' | 'already' | 'taken'> {
      const existing = await links.findOne({ issuer: identity.issuer, subject: identity.subject }, { userId: 1 }).lean();
      if (existing) return String(existing.userId) === userId ? 'already' : 'taken';
      try {
        await links.create({ userId, issuer: identity.issuer, subject: identity.subject, email: identity.email, linkedAt: new Date() });
        return 'linked';
      } catch (err) {
        if (isDuplicateKeyError(err)) return 'taken';
        throw err;
      }
    },
  };
}

export type ProviderAccounts = ReturnType<typeof providerAccounts>;

/**
 * Whether the account still has only the random password a sign-in gave it
 * (no password anyone knows): the feature's passwordUnknown (src/feature.ts).
 */
export function passwordUnknown(users: UserModel, unknownPasswords: UnknownPasswordModel) {
  return async (userId: string): Promise<boolean> => {
    const [user, unknown] = await Promise.all([users.findById(userId, { passwordHash: 1 }).lean(), unknownPasswords.findOne({ userId }, { passwordHash: 1 }).lean()]);
    if (!user || !unknown) return false;
    if (unknown.passwordHash === user.passwordHash) return true;
    // its owner has set a password since (the form, or a mailed reset): the
    // random one never comes back, so the mark goes
    await unknownPasswords.deleteOne({ userId, passwordHash: unknown.passwordHash });
    return false;
  };
}
