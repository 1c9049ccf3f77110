// second factor: an account's authenticator app and recovery codes in
// MongoDB. Every change is one atomic update with a condition, so that two
// requests at once cannot both use one code, or both turn two-factor on.
import { trusted } from 'mongoose';
import type { UserModel } from '../../models/user.js';
import { recoveryCodes as recoveryCodeHashing } from './recovery-codes.js';
import { createSecretBox } from './secret-box.js';
import { matchingStep, newTotpSecret, normalizeTotpCode } from './totp.js';

// how long a secret shown on the setup page may wait for its first code
export const SETUP_MAX_AGE_MS = 15 * 60_000;
// how long new recovery codes may wait (sealed, in the session) for the one
// page that shows them; later they are dropped unseen and new ones must be made
export const RECOVERY_CODES_SHOW_MAX_AGE_MS = 10 * 60_000;

export type SecondFactorCheck =
  // a right code, now used up
  | { outcome: 'totp' | 'recovery'; recoveryCodesLeft: number }
  // not a code of this account, or one already used
  | { outcome: 'wrong' }
  // the login cannot go on: the account is gone, has no second factor any
  // more, or its sessions were revoked since the password was checked
  | { outcome: 'gone' };

export type TwoFactorStatus = { enabled: false } | { enabled: true; enabledAt: Date; recoveryCodesLeft: number };

export interface SecondFactor {
  status(userId: string): Promise<TwoFactorStatus>;
  /** A new secret for the setup page: in base32 to show, and sealed for the session (never in the clear there). */
  newSetup(userId: string): { secret: string; sealed: string };
  /** The secret a setup session holds, if it is this user's. */
  openSetup(userId: string, sealed: string): string | undefined;
  /** New recovery codes sealed for the session, between the form that made them and the page that shows them. */
  sealCodesToShow(userId: string, codes: string[]): string;
  /** Those codes again, if they were sealed for this user. */
  openCodesToShow(userId: string, sealed: string): string[] | undefined;
  /**
   * Turns two-factor on if `code` is right for `secret` and it is still off.
   * The recovery codes come back once, to be shown once.
   */
  enable(userId: string, secret: string, code: unknown, now: number): Promise<{ outcome: 'enabled'; recoveryCodes: string[] } | { outcome: 'wrong-code' | 'already-on' }>;
  /** Turns it off; false if it was not on. */
  disable(userId: string): Promise<boolean>;
  /** New recovery codes, the old ones dead; undefined if two-factor is off. */
  replaceRecoveryCodes(userId: string): Promise<string[] | undefined>;
  /** The second step of a login: a code from the app, or a recovery code, used at most once. */
  check(login: { userId: string; generation: number }, typed: unknown, now: number): Promise<SecondFactorCheck>;
}

export function secondFactor(users: UserModel, keyMaterial: string, onUnreadableSecret: (userId: string) => void): SecondFactor {
  const box = createSecretBox(keyMaterial);
  const hashing = recoveryCodeHashing(keyMaterial);
  // the context binds a sealed secret to its user and its place (see secret-box.ts)
  const storedContext = (userId: string) => `totp:${userId}`;
  const setupContext = (userId: string) => `totp-setup:${userId}`;
  const codesShownContext = (userId: string) => `recovery-codes-shown:${userId}`;

  return {
    async status(userId) {
      const user = await users.findById(userId, { 'twoFactor.enabledAt': 1, 'twoFactor.recoveryCodes': 1 }).lean();
      const twoFactor = user?.twoFactor;
      return twoFactor ? { enabled: true, enabledAt: twoFactor.enabledAt, recoveryCodesLeft: twoFactor.recoveryCodes.length } : { enabled: false };
    },

    newSetup(userId) {
      const secret = newTotpSecret();
      return { secret, sealed: box.seal(secret, setupContext(userId)) };
    },

    openSetup(userId, sealed) {
      return box.open(sealed, setupContext(userId));
    },

    sealCodesToShow(userId, codes) {
      // a code is letters, digits and dashes: a space cannot be part of one
      return box.seal(codes.join(' '), codesShownContext(userId));
    },

    openCodesToShow(userId, sealed) {
      const opened = box.open(sealed, codesShownContext(userId));
      return opened === undefined ? undefined : opened.split(' ');
    },

    async enable(userId, secret, typed, now) {
      const code = normalizeTotpCode(typed);
      const step = code === undefined ? undefined : matchingStep(secret, code, now);
      if (step === undefined) return { outcome: 'wrong-code' };
      const { codes, hashes } = hashing.generate();
      // only if it is still off: two tabs confirming at once turn it on once.
      // The step of this first code counts as used: it cannot log in too
      const { modifiedCount } = await users.updateOne(
        { _id: userId, twoFactor: trusted({ $exists: false }) },
        {
          $set: {
            twoFactor: { secret: box.seal(secret, storedContext(userId)), enabledAt: new Date(now), lastUsedStep: step, recoveryCodes: hashes },
          },
        },
      );
      return modifiedCount === 1 ? { outcome: 'enabled', recoveryCodes: codes } : { outcome: 'already-on' };
    },

    async disable(userId) {
      const { modifiedCount } = await users.updateOne({ _id: userId, twoFactor: trusted({ $exists: true }) }, { $unset: { twoFactor: 1 } });
      return modifiedCount === 1;
    },

    async replaceRecoveryCodes(userId) {
      const { codes, hashes } = hashing.generate();
      const { matchedCount } = await users.updateOne(
        { _id: userId, twoFactor: trusted({ $exists: true }) },
        { $set: { 'twoFactor.recoveryCodes': hashes } },
      );
      return matchedCount === 1 ? codes : undefined;
    },

    async check(login, typed, now) {
      const user = await users.findById(login.userId, { sessionGeneration: 1, twoFactor: 1 }).lean();
      if (!user?.twoFactor || (user.sessionGeneration ?? 0) !== login.generation) return { outcome: 'gone' };
      // each update below also asks for the generation the password step
      // read, so a revocation can never slip in between this read and the use
      const sameLogin = { _id: login.userId, sessionGeneration: login.generation };

      const code = normalizeTotpCode(typed);
      if (code !== undefined) {
        const secret = box.open(user.twoFactor.secret, storedContext(login.userId));
        if (secret === undefined) {
          // TWO_FACTOR_KEY changed, or the document was tampered with
          onUnreadableSecret(login.userId);
          return { outcome: 'wrong' };
        }
        const step = matchingStep(secret, code, now);
        if (step === undefined) return { outcome: 'wrong' };
        // replay: only a step later than the last one used is accepted, and
        // the check and the write are one update, so two requests with the
        // same code cannot both see the old step
        const { modifiedCount } = await users.updateOne(
          { ...sameLogin, 'twoFactor.lastUsedStep': trusted({ $lt: step }) },
          { $set: { 'twoFactor.lastUsedStep': step } },
        );
        return modifiedCount === 1 ? { outcome: 'totp', recoveryCodesLeft: user.twoFactor.recoveryCodes.length } : { outcome: 'wrong' };
      }

      const hash = hashing.hashOf(typed);
      if (hash === undefined) return { outcome: 'wrong' };
      // used once: the hash is pulled out by the same update that finds it
      const used = await users
        .findOneAndUpdate(
          { ...sameLogin, 'twoFactor.recoveryCodes': hash },
          { $pull: { 'twoFactor.recoveryCodes': hash } },
          { returnDocument: 'after' },
        )
        .lean();
      return used ? { outcome: 'recovery', recoveryCodesLeft: used.twoFactor?.recoveryCodes.length ?? 0 } : { outcome: 'wrong' };
    },
  };
}
