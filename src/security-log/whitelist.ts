// whitelist: exactly what the security log may keep of an event and of where
// it came from. Each event type lists its own fields; anything else a caller
// passes along (a password, a token, a whole request body) is dropped, never
// stored: an object is never spread into the log as it comes. Strings are cut
// to a length a page or a mail can show, and lose control characters (the
// sentences of describe.ts go into mail subjects, where a line break would
// start a header).
import { z } from 'zod';
import type { EventContext, SecurityEvent } from './events.js';

// an address is at most 45 characters (IPv6 with an IPv4 tail); a browser's
// label ("Chrome 156 on Linux") a few dozen
const MAX_IP_LENGTH = 64;
const MAX_BROWSER_LENGTH = 120;
// as long as a passkey's name may be (MAX_PASSKEY_NAME_LENGTH, features/passkeys/ceremonies.ts;
// not imported, so that this file stays free of the passkey ceremonies)
const MAX_NAME_LENGTH = 64;
// a SHA-256 in hex (64) or base64url (43), with room to spare
const BROWSER_KEY = /^[A-Za-z0-9_-]{16,128}$/;

/** Trimmed, control characters turned into spaces, at most `max` characters (whole ones: never half an emoji). */
export function cut(value: string, max: number): string {
  return Array.from(value.replace(/\p{Cc}/gu, ' ').trim()).slice(0, max).join('');
}

const text = (max: number) => z.string().transform((value) => cut(value, max));
const method = z.enum(['password', 'code', 'recovery-code', 'passkey', 'provider', 'provider-and-code', 'email-link', 'email-link-and-code']);
const endedBy = z.enum([
  'this-browser',
  'another-browser',
  'sign-out-everywhere',
  'password-change',
  'password-reset',
  'two-factor-change',
  'passkey-removed',
  'provider-unlinked',
  'not-me',
]);
const count = z.number().int().min(0).max(1_000_000);
const passkeyName = text(MAX_NAME_LENGTH);
// the provider's name as OIDC_PROVIDER_NAME gives it (features/oidc)
const providerName = text(MAX_NAME_LENGTH);

// z.object() drops every key it does not list: that is the whitelist
const eventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('signed-in'), method, newBrowser: z.boolean() }),
  z.object({ type: z.literal('sign-in-failed'), method }),
  z.object({ type: z.literal('locked-out'), method }),
  z.object({ type: z.literal('sudo-confirmed'), method }),
  z.object({ type: z.literal('sessions-ended'), by: endedBy, count }),
  z.object({ type: z.literal('password-changed') }),
  z.object({ type: z.literal('password-reset') }),
  z.object({ type: z.literal('two-factor-on') }),
  z.object({ type: z.literal('two-factor-off') }),
  z.object({ type: z.literal('recovery-codes-made') }),
  z.object({ type: z.literal('recovery-code-used'), left: count }),
  z.object({ type: z.literal('passkey-added'), name: passkeyName }),
  z.object({ type: z.literal('passkey-renamed'), name: passkeyName }),
  z.object({ type: z.literal('passkey-removed'), name: passkeyName }),
  z.object({ type: z.literal('provider-linked'), name: providerName }),
  z.object({ type: z.literal('provider-unlinked'), name: providerName }),
  z.object({ type: z.literal('email-change-asked') }),
  z.object({ type: z.literal('email-change-confirmed') }),
  z.object({ type: z.literal('email-change-cancelled'), by: z.union([z.literal('owner'), endedBy]) }),
  z.object({ type: z.literal('email-removed') }),
  z.object({ type: z.literal('not-me-used') }),
]);

// the schema and events.ts describe the same events: a type added, removed
// or changed on one side only stops the build here
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesEvents: Same<z.output<typeof eventSchema>, SecurityEvent> = true;
void schemaMatchesEvents;

/** The event's own fields, checked; undefined for anything that is not one of events.ts's events. */
export function cleanEvent(event: unknown): SecurityEvent | undefined {
  const parsed = eventSchema.safeParse(event);
  return parsed.success ? parsed.data : undefined;
}

/** Where the event came from: the address and the browser's label cut short; a browser key that is not a hash is left out. */
export function cleanContext(context: EventContext): EventContext {
  const key = typeof context.browserKey === 'string' && BROWSER_KEY.test(context.browserKey) ? context.browserKey : undefined;
  return {
    // strings only: a missing one is stored empty, never as "undefined"
    ip: typeof context.ip === 'string' ? cut(context.ip, MAX_IP_LENGTH) : '',
    browser: (typeof context.browser === 'string' ? cut(context.browser, MAX_BROWSER_LENGTH) : '') || 'Unknown browser',
    browserKey: key,
  };
}
