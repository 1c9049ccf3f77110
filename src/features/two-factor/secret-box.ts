// secret box: encrypts what must be read back later but never stored in the
// clear: an authenticator app's secret. Unlike a password, a TOTP secret is
// needed in full to check a code, so it cannot be hashed; it is encrypted
// instead (AES-256-GCM), with a key that lives in the environment
// (TWO_FACTOR_KEY), never in the database. A leaked backup then holds
// nothing anyone can make a code from.
//
// Sealed: "v1.<iv>.<tag>.<ciphertext>", base64url. The version says which
// key and cipher made it, so both can change later without guessing.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const CIPHER = 'aes-256-gcm';
// GCM's standard nonce: 12 random bytes per message. A nonce must never
// repeat under one key; random 96-bit nonces are safe far past the number of
// secrets this app will ever seal
const IV_BYTES = 12;

export interface SecretBox {
  /**
   * Encrypts `plaintext` for `context` (e.g. "totp:<userId>"): the context is
   * authenticated, not stored, so a sealed value copied to another user's
   * document, or from a session into the user document, does not open.
   */
  seal(plaintext: string, context: string): string;
  /** The plaintext, or undefined if the value was not sealed by this key for this context. */
  open(sealed: string, context: string): string | undefined;
}

/**
 * A key for one purpose, derived from TWO_FACTOR_KEY with HKDF (RFC 5869):
 * the encryption key and the recovery codes' HMAC key are never the same
 * bytes, though the environment holds one secret.
 */
export function deriveKey(keyMaterial: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', keyMaterial, 'cloakroom', purpose, 32));
}

export function createSecretBox(keyMaterial: string): SecretBox {
  const key = deriveKey(keyMaterial, 'two-factor secrets v1');
  return {
    seal(plaintext, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv(CIPHER, key, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const parts = [iv, cipher.getAuthTag(), ciphertext].map((part) => part.toString('base64url'));
      return [VERSION, ...parts].join('.');
    },
    open(sealed, context) {
      const [version, iv, tag, ciphertext, ...rest] = sealed.split('.');
      if (version !== VERSION || iv === undefined || tag === undefined || ciphertext === undefined || rest.length > 0) return undefined;
      try {
        const decipher = createDecipheriv(CIPHER, key, Buffer.from(iv, 'base64url'));
        decipher.setAAD(Buffer.from(context, 'utf8'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        // a wrong key, context or tag: GCM refuses to decrypt, nothing leaks
        return undefined;
      }
    },
  };
}
