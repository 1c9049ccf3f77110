// soft authenticator: a passkey authenticator in Node, for tests that need a
// browser's WebAuthn answers without a browser. An ES256 (P-256) key pair
// from node:crypto; authenticator data, client data and the attestation
// object built byte by byte as the WebAuthn spec lays them out; signatures
// made with the private key. It signs whatever it is told to (another
// origin, a lower counter), so tests can also send what a real browser never would.
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';

const b64url = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();

// authenticator data flags
const USER_PRESENT = 0x01;
const USER_VERIFIED = 0x04;
const ATTESTED_CREDENTIAL_DATA = 0x40;

export interface SoftPasskey {
  credentialId: Buffer;
  privateKey: KeyObject;
  publicKey: KeyObject;
  userHandle: string;
  rpId: string;
  counter: number;
}

export interface Tampering {
  /** the origin the "browser" reports (default: the one the authenticator was made for) */
  origin?: string;
  /** the RP ID whose hash goes into authenticator data */
  rpId?: string;
  /** the signature counter to report (default: one more than last time; pass 0 to behave like a synced passkey) */
  counter?: number;
  /** false: the user was not verified (no PIN, no biometrics) */
  userVerified?: boolean;
}

function authenticatorData(rpId: string, flags: number, counter: number, attested?: Buffer): Buffer {
  const count = Buffer.alloc(4);
  count.writeUInt32BE(counter);
  return Buffer.concat([sha256(rpId), Buffer.from([flags]), count, ...(attested ? [attested] : [])]);
}

/** The public key as COSE (a CBOR map): EC2, ES256, P-256, x, y. */
function coseKey(publicKey: KeyObject): Uint8Array {
  const jwk = publicKey.export({ format: 'jwk' });
  return isoCBOR.encode(
    new Map<number, number | Uint8Array>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, Buffer.from(jwk.x ?? '', 'base64url')],
      [-3, Buffer.from(jwk.y ?? '', 'base64url')],
    ]),
  );
}

export class SoftAuthenticator {
  readonly passkeys: SoftPasskey[] = [];

  constructor(readonly origin: string) {}

  /** Answers registration options as a browser would (attestation "none"), keeping the new passkey. */
  create(options: PublicKeyCredentialCreationOptionsJSON, tampering: Tampering = {}) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const credentialId = randomBytes(16);
    const rpId = options.rp.id ?? new URL(this.origin).hostname;
    const passkey: SoftPasskey = { credentialId, privateKey, publicKey, userHandle: options.user.id, rpId, counter: 0 };
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(credentialId.length);
    const attested = Buffer.concat([Buffer.alloc(16), idLength, credentialId, coseKey(publicKey)]);
    const flags = USER_PRESENT | (tampering.userVerified === false ? 0 : USER_VERIFIED) | ATTESTED_CREDENTIAL_DATA;
    const authData = authenticatorData(tampering.rpId ?? rpId, flags, 0, attested);
    const clientData = JSON.stringify({ type: 'webauthn.create', challenge: options.challenge, origin: tampering.origin ?? this.origin, crossOrigin: false });
    this.passkeys.push(passkey);
    return {
      passkey,
      response: {
        id: b64url(credentialId),
        rawId: b64url(credentialId),
        type: 'public-key',
        response: {
          clientDataJSON: b64url(clientData),
          attestationObject: b64url(isoCBOR.encode(new Map<string, unknown>([['fmt', 'none'], ['attStmt', new Map()], ['authData', authData]]) as never)),
          transports: ['internal'],
        },
        clientExtensionResults: {},
        authenticatorAttachment: 'platform',
      },
    };
  }

  /** Signs authentication options' challenge with a passkey (the first one by default). */
  get(options: PublicKeyCredentialRequestOptionsJSON, passkey = this.passkeys[0], tampering: Tampering = {}) {
    if (!passkey) throw new Error('this authenticator holds no passkey');
    const counter = tampering.counter ?? passkey.counter + 1;
    passkey.counter = counter;
    const flags = USER_PRESENT | (tampering.userVerified === false ? 0 : USER_VERIFIED);
    const authData = authenticatorData(tampering.rpId ?? passkey.rpId, flags, counter);
    const clientData = JSON.stringify({ type: 'webauthn.get', challenge: options.challenge, origin: tampering.origin ?? this.origin, crossOrigin: false });
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientData)]), passkey.privateKey);
    return {
      id: b64url(passkey.credentialId),
      rawId: b64url(passkey.credentialId),
      type: 'public-key',
      response: {
        authenticatorData: b64url(authData),
        clientDataJSON: b64url(clientData),
        signature: b64url(signature),
        userHandle: passkey.userHandle,
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }
}
