// Two-factor building blocks without a server: TOTP codes at the edges of
// their window (the clock is a parameter, not a faked timer), the secret box
// (AES-256-GCM) and recovery codes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { recoveryCodes, RECOVERY_CODE_COUNT } from '../../../src/features/two-factor/recovery-codes.js';
import { createSecretBox } from '../../../src/features/two-factor/secret-box.js';
import { codeAt, matchingStep, newTotpSecret, normalizeTotpCode, otpauthUri, timeStep, TOTP_PERIOD_S } from '../../../src/features/two-factor/totp.js';

const PERIOD_MS = TOTP_PERIOD_S * 1000;
// a fixed moment at the start of a time step
const STEP = 59_000_000;
const START = STEP * PERIOD_MS;

describe('TOTP codes', () => {
  const secret = newTotpSecret();
  const code = codeAt(secret, START + 10_000);

  it('makes 160-bit base32 secrets and an otpauth:// URI apps read', () => {
    assert.match(secret, /^[A-Z2-7]{32}$/);
    assert.notEqual(newTotpSecret(), secret);
    const uri = new URL(otpauthUri(secret, 'alice'));
    assert.equal(uri.protocol, 'otpauth:');
    assert.equal(uri.searchParams.get('secret'), secret);
    assert.equal(uri.searchParams.get('issuer'), 'Cloakroom');
    assert.equal(uri.searchParams.get('digits'), '6');
    assert.equal(uri.searchParams.get('period'), '30');
  });

  it('the RFC 6238 test vector (SHA-1, 59 s)', () => {
    // secret "12345678901234567890" in base32; RFC 6238 gives 94287082 for 8 digits
    assert.equal(codeAt('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 59_000), '287082');
  });

  it('accepts a code from one step before to one step after its own, and says which step it is', () => {
    assert.equal(timeStep(START), STEP);
    for (const now of [START - PERIOD_MS, START, START + PERIOD_MS - 1, START + 2 * PERIOD_MS - 1]) {
      assert.equal(matchingStep(secret, code, now), STEP, `at ${now - START} ms`);
    }
  });

  it('refuses it one millisecond outside that window', () => {
    assert.equal(matchingStep(secret, code, START - PERIOD_MS - 1), undefined, 'two steps early');
    assert.equal(matchingStep(secret, code, START + 2 * PERIOD_MS), undefined, 'two steps late');
  });

  it('refuses other codes, and takes the code with spaces as apps show it', () => {
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    assert.equal(matchingStep(secret, wrong, START), undefined);
    assert.equal(normalizeTotpCode(`${code.slice(0, 3)} ${code.slice(3)}`), code);
    for (const bad of ['12345', '1234567', 'abcdef', '', undefined, ['123456']]) assert.equal(normalizeTotpCode(bad), undefined);
  });
});

describe('the secret box', () => {
  const box = createSecretBox('k'.repeat(40));

  it('opens what it sealed, for the same context only', () => {
    const sealed = box.seal('JBSWY3DPEHPK3PXP', 'totp:user1');
    assert.match(sealed, /^v1\.[\w-]{16}\.[\w-]{22}\.[\w-]+$/);
    assert.ok(!sealed.includes('JBSWY3DPEHPK3PXP'));
    assert.equal(box.open(sealed, 'totp:user1'), 'JBSWY3DPEHPK3PXP');
    assert.equal(box.open(sealed, 'totp:user2'), undefined, 'copied to another user');
    assert.equal(box.open(sealed, 'totp-setup:user1'), undefined, 'copied from a session into the user');
  });

  it('uses a fresh IV each time, and refuses a changed value or another key', () => {
    const a = box.seal('same', 'c');
    const b = box.seal('same', 'c');
    assert.notEqual(a, b);
    const [version, iv, tag, ciphertext = ''] = a.split('.');
    const flipped = Buffer.from(ciphertext, 'base64url');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    assert.equal(box.open([version, iv, tag, flipped.toString('base64url')].join('.'), 'c'), undefined);
    assert.equal(createSecretBox('o'.repeat(40)).open(a, 'c'), undefined);
    assert.equal(box.open('v2.x.y.z', 'c'), undefined);
    assert.equal(box.open('not sealed at all', 'c'), undefined);
  });
});

describe('recovery codes', () => {
  const codes = recoveryCodes('k'.repeat(40));

  it('makes ten different codes, and stores keyed hashes of them, never the codes', () => {
    const { codes: shown, hashes } = codes.generate();
    assert.equal(shown.length, RECOVERY_CODE_COUNT);
    assert.equal(new Set(shown).size, RECOVERY_CODE_COUNT);
    for (const code of shown) assert.match(code, /^[a-hjkmnp-z2-9]{6}(-[a-hjkmnp-z2-9]{6}){3}$/);
    assert.deepEqual(shown.map((code) => codes.hashOf(code)), hashes);
    for (const hash of hashes) assert.ok(shown.every((code) => !hash.includes(code.replaceAll('-', ''))));
    // another key, other hashes: the database alone cannot test a guess
    assert.notEqual(recoveryCodes('o'.repeat(40)).hashOf(shown[0]), hashes[0]);
  });

  it('reads a code however it is typed, and nothing else', () => {
    const [code = ''] = codes.generate().codes;
    const hash = codes.hashOf(code);
    assert.equal(codes.hashOf(code.toUpperCase()), hash);
    assert.equal(codes.hashOf(` ${code.replaceAll('-', ' ')} `), hash);
    assert.equal(codes.hashOf(code.replaceAll('-', '')), hash);
    for (const bad of ['', 'short', `${code}x`, code.slice(1), 'iiiiii-llllll-oooooo-111111', 123]) assert.equal(codes.hashOf(bad), undefined);
  });
});
