// recovery codes: ten one-time codes, shown once when two-factor is turned
// on, for the day the phone is lost. Each is 24 random characters of 31
// (about 119 bits: "k7m2qx-9fzdab-h3n8pw-c4tvye"), so unlike a password
// nobody can guess one from a list, and a fast hash is enough to store them:
// bcrypt's slowness protects weak secrets, and ASVS 6.5.2 allows a standard
// hash from 112 bits up. The hash is keyed (HMAC-SHA-256), so a leaked
// database alone cannot even test a guess: the key is in the environment.
// And a fast hash can be looked up by value, which is what makes using a code
// one atomic update (see features/two-factor/second-factor.ts).
import { createHmac, randomInt } from 'node:crypto';
import { deriveKey } from './secret-box.js';
import { FACTOR_CODE_INPUT_MAX } from '../../auth/forms.js';

export const RECOVERY_CODE_COUNT = 10;
// no 0/o, 1/l/i: a code read off paper is typed without doubt
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
// 24 × log2(31) ≈ 118.9 bits, shown in four groups of six
const CODE_LENGTH = 24;
const GROUP = 6;

export interface RecoveryCodes {
  /** Ten new codes: `codes` to show once, `hashes` to store. */
  generate(): { codes: string[]; hashes: string[] };
  /** The stored form of what someone typed, or undefined if it cannot be a code. */
  hashOf(typed: unknown): string | undefined;
}

function newCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i += 1) code += ALPHABET[randomInt(ALPHABET.length)];
  return code.match(new RegExp(`.{${GROUP}}`, 'g'))?.join('-') ?? code;
}

/**
 * The longest code field input taken: a recovery code as shown (27
 * characters), with room for spaces around it. The code fields' maxlength:
 * the core's field for a factor's code (auth/forms.ts) is as long.
 */
export const RECOVERY_CODE_INPUT_MAX = FACTOR_CODE_INPUT_MAX;

/** What a typed code means: case, spaces and the dash do not matter. */
function normalize(typed: unknown): string | undefined {
  if (typeof typed !== 'string' || typed.length > RECOVERY_CODE_INPUT_MAX) return undefined;
  const code = typed.toLowerCase().replace(/[\s-]+/g, '');
  return code.length === CODE_LENGTH && [...code].every((c) => ALPHABET.includes(c)) ? code : undefined;
}

export function recoveryCodes(keyMaterial: string): RecoveryCodes {
  const key = deriveKey(keyMaterial, 'recovery codes v1');
  const hash = (normalized: string) => createHmac('sha256', key).update(normalized).digest('base64url');
  return {
    generate() {
      const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newCode);
      return { codes, hashes: codes.map((code) => hash(normalize(code) ?? '')) };
    },
    hashOf(typed) {
      const code = normalize(typed);
      return code === undefined ? undefined : hash(code);
    },
  };
}
