// passkeys: the two WebAuthn ceremonies, over @simplewebauthn/server.
//
//   registration   options (a challenge, who the user is, the passkeys they
//                  already have) -> the browser creates a key pair -> verify
//                  the attestation -> store the public key and its counter
//   authentication options (a challenge) -> the browser signs it with a
//                  passkey -> look the passkey up by its credential ID ->
//                  verify the signature with the stored public key
//
// The relying party (the domain a passkey belongs to, and the origin the
// browser must report) comes from the configuration (PUBLIC_URL,
// WEBAUTHN_RP_ID), never from the request's Host header: a proxy or an
// attacker's hostname must not decide what a signature is valid for.
import { randomBytes } from 'node:crypto';
import type { Types } from 'mongoose';
import { trusted } from 'mongoose';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { isDuplicateKeyError } from '../../models/user.js';
import type { Passkey, PasskeyModel } from './model.js';
import type { RelyingParty } from './settings.js';
import { CHALLENGE_LIFETIME_MS } from './challenges.js';
import { USED_CHALLENGES_COLLECTION, usedChallenges } from './used-challenges.js';


// a browser's JSON answer is a few hundred bytes; the form body limit is 8 kB
const MAX_RESPONSE_LENGTH = 6000;
export const MAX_PASSKEY_NAME_LENGTH = 64;

/** The browser's answer from a form field (JSON), or undefined if it is not one. */
export function credentialFromForm<T extends RegistrationResponseJSON | AuthenticationResponseJSON>(value: unknown): T | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_RESPONSE_LENGTH) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { id, rawId, type, response } = parsed as Record<string, unknown>;
  const isId = (v: unknown) => typeof v === 'string' && /^[\w-]{1,1400}$/.test(v);
  if (!isId(id) || rawId !== id || type !== 'public-key' || typeof response !== 'object' || response === null) return undefined;
  // the rest is checked field by field by the library, which throws on anything malformed
  return parsed as T;
}

/** The challenge a response's client data names, or undefined if it names none. Read, not trusted: nothing here is verified yet. */
function challengeIn(clientDataJSON: unknown): string | undefined {
  if (typeof clientDataJSON !== 'string') return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8'));
    const challenge = typeof parsed === 'object' && parsed !== null ? (parsed as { challenge?: unknown }).challenge : undefined;
    return typeof challenge === 'string' ? challenge : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A signature counter that did not grow: the authenticator that signed has
 * been used elsewhere with the same key, a clone. 0 and 0 is a synced passkey,
 * which never counts.
 */
function counterWentBackwards(received: number, stored: number): boolean {
  return (received > 0 || stored > 0) && received <= stored;
}

/** A stored binary field as bytes: lean() reads it as BSON Binary, not as a Buffer. */
function bytesOf(stored: Buffer | { buffer: Uint8Array }): Uint8Array<ArrayBuffer> {
  return new Uint8Array(stored instanceof Uint8Array ? stored : stored.buffer);
}

export type AssertionResult =
  | { ok: true; passkey: Passkey & { _id: Types.ObjectId } }
  | { ok: false; reason: 'unknown-passkey' | 'invalid' | 'replayed' | 'counter-went-backwards' | 'already-used' };

export type RegistrationResult = { ok: true; passkeyId: Types.ObjectId } | { ok: false; reason: 'invalid' | 'already-registered' };

export function passkeyCeremonies(passkeys: PasskeyModel, rp: RelyingParty) {
  // next to the passkeys, on the same connection (its expiry is set up at
  // start: app-services.ts); looked up at the first ceremony, so that building
  // the app touches no connection
  let challenges: ReturnType<typeof usedChallenges> | undefined;
  const usedChallengesRecord = () => {
    const connection = passkeys.db;
    challenges ??= usedChallenges(connection.getClient().db(connection.name).collection(USED_CHALLENGES_COLLECTION));
    return challenges;
  };
  // a challenge lives 5 minutes from when it was given out, so a record kept
  // 5 minutes from its use outlives it
  const claim = (challenge: string) => usedChallengesRecord().claim(challenge, new Date(Date.now() + CHALLENGE_LIFETIME_MS));

  return {
    /** Options to create a passkey for this user; the user handle goes with the challenge. */
    async registrationOptions(user: { id: string; username: string }): Promise<{ options: PublicKeyCredentialCreationOptionsJSON; userHandle: string }> {
      const existing = await passkeys.find({ userId: user.id }, { credentialId: 1, transports: 1, userHandle: 1 }).lean();
      // one random handle per account, reused by its later passkeys, so an
      // authenticator replaces its passkey for this account instead of adding
      // a second; never the user ID, which a passkey would carry everywhere
      const userHandle = existing[0]?.userHandle ?? randomBytes(32).toString('base64url');
      const options = await generateRegistrationOptions({
        rpName: rp.rpName,
        rpID: rp.rpId,
        userName: user.username,
        userID: Buffer.from(userHandle, 'base64url'),
        timeout: CHALLENGE_LIFETIME_MS,
        // no attestation: which make of authenticator it is does not matter here
        attestationType: 'none',
        // the authenticators that already hold a passkey for this account say so
        excludeCredentials: existing.map((p) => ({ id: p.credentialId, transports: p.transports as AuthenticatorTransport[] })),
        // a discoverable credential (it can sign in without a username) that
        // checks who is holding the device (PIN, fingerprint, face)
        authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
      });
      return { options, userHandle };
    },

    async verifyRegistration(
      response: RegistrationResponseJSON,
      expected: { challenge: string; userHandle: string },
      owner: { userId: string; name: string },
    ): Promise<RegistrationResult> {
      // used once, before anything else (a registration sent twice would also
      // meet the unique credential ID below)
      if (!(await claim(expected.challenge))) return { ok: false, reason: 'invalid' };
      let info;
      try {
        const verification = await verifyRegistrationResponse({
          response,
          expectedChallenge: expected.challenge,
          expectedOrigin: rp.origin,
          expectedRPID: rp.rpId,
          requireUserVerification: true,
        });
        if (!verification.verified) return { ok: false, reason: 'invalid' };
        info = verification.registrationInfo;
      } catch {
        return { ok: false, reason: 'invalid' };
      }
      try {
        const created = await passkeys.create({
          userId: owner.userId,
          credentialId: info.credential.id,
          publicKey: Buffer.from(info.credential.publicKey),
          counter: info.credential.counter,
          transports: info.credential.transports ?? [],
          userHandle: expected.userHandle,
          name: owner.name,
          deviceType: info.credentialDeviceType,
          backedUp: info.credentialBackedUp,
        });
        return { ok: true, passkeyId: created._id };
      } catch (err) {
        // the unique credential ID: registered already (by anyone), or the same response twice
        if (isDuplicateKeyError(err)) return { ok: false, reason: 'already-registered' };
        throw err;
      }
    },

    /** Options to sign in with a passkey: any of this site's (login), or one of the user's (confirm). */
    async authenticationOptions(userId?: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
      const allowed = userId === undefined ? [] : await passkeys.find({ userId }, { credentialId: 1, transports: 1 }).lean();
      return generateAuthenticationOptions({
        rpID: rp.rpId,
        // empty: the browser offers the user's discoverable passkeys for this site
        allowCredentials: allowed.map((p) => ({ id: p.credentialId, transports: p.transports as AuthenticatorTransport[] })),
        userVerification: 'required',
        timeout: CHALLENGE_LIFETIME_MS,
      });
    },

    /**
     * Checks a signed challenge. The passkey is found by its credential ID
     * (only among one user's, when `userId` is given); the signature, the
     * challenge, the origin, the RP ID and user verification are checked, and
     * only then the counter; then the passkey's counter and last use are
     * updated in one conditional write. The challenge is claimed first
     * (used-challenges.ts), so that the same response sent several times at
     * once is accepted once, by a synced passkey too, whose counter stays 0
     * and so cannot tell.
     *
     * Why the counter comes last, and is ours to compare: a counter that did
     * not grow means a cloned authenticator only if its signature is good
     * over this challenge. An old response sent again (a replay) carries an
     * old counter too; reported as a clone, anyone holding one could raise
     * that alarm at will.
     */
    async verifyAssertion(response: AuthenticationResponseJSON, challenge: string, userId?: string): Promise<AssertionResult> {
      // one insert with the challenge as its _id: of the requests that carry
      // it, whichever session they came with, exactly one gets past this line
      if (!(await claim(challenge))) return { ok: false, reason: 'already-used' };
      const passkey = await passkeys.findOne(userId === undefined ? { credentialId: response.id } : { credentialId: response.id, userId }).lean();
      if (!passkey) return { ok: false, reason: 'unknown-passkey' };
      // the user handle the authenticator returns must be the one it was created with
      if (response.response.userHandle !== undefined && response.response.userHandle !== passkey.userHandle) return { ok: false, reason: 'invalid' };
      // an answer to another challenge: most likely an old response sent
      // again. Refused whatever its signature, and never a clone alarm
      if (challengeIn(response.response.clientDataJSON) !== challenge) return { ok: false, reason: 'replayed' };
      let newCounter: number;
      try {
        const verification = await verifyAuthenticationResponse({
          response,
          expectedChallenge: challenge,
          expectedOrigin: rp.origin,
          expectedRPID: rp.rpId,
          requireUserVerification: true,
          credential: {
            id: passkey.credentialId,
            publicKey: bytesOf(passkey.publicKey),
            // 0: the library's own counter check, (received > 0 || 0 > 0) &&
            // received <= 0, can never refuse. It would run before the
            // signature is checked, on bytes anyone can write; the counter is
            // compared below, once the signature is known to be good
            counter: 0,
            transports: passkey.transports,
          },
        });
        if (!verification.verified) return { ok: false, reason: 'invalid' };
        newCounter = verification.authenticationInfo.newCounter;
      } catch {
        return { ok: false, reason: 'invalid' };
      }
      // signed by this passkey's key, over this challenge: a counter that did
      // not grow is another authenticator holding the same key
      if (counterWentBackwards(newCounter, passkey.counter)) return { ok: false, reason: 'counter-went-backwards' };
      // one atomic write, conditional on what was checked: a counter still
      // below the new one (0 stays 0: synced passkeys do not count), so two
      // responses of one authenticator, racing, cannot both move it.
      // trusted(): sanitizeFilter is on, so operators we write ourselves must say so
      const { modifiedCount } = await passkeys.updateOne(
        { _id: passkey._id, counter: newCounter > 0 ? trusted({ $lt: newCounter }) : 0 },
        { $set: { counter: newCounter, lastUsedAt: new Date() } },
      );
      if (modifiedCount !== 1) return { ok: false, reason: 'already-used' };
      return { ok: true, passkey };
    },
  };
}

export type PasskeyCeremonies = ReturnType<typeof passkeyCeremonies>;
