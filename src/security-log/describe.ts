// describe: one sentence per security event, as the owner reads it on
// /account/activity and in the alerts mailed about it. Plain words, no codes:
// "Signed in with a passkey", "Recovery code used: 7 left".
import type { EndedBy, SecurityEvent, SignInMethod } from './events.js';

const SIGNED_IN_WITH: Record<SignInMethod, string> = {
  password: 'a password',
  code: 'a password and a code from an authenticator app',
  'recovery-code': 'a recovery code',
  passkey: 'a passkey',
  provider: 'a sign-in provider',
  'provider-and-code': 'a sign-in provider and a code from an authenticator app',
  'email-link': 'a sign-in link sent to your email address',
  'email-link-and-code': 'a sign-in link sent to your email address and a code from an authenticator app',
};

const WRONG: Record<SignInMethod, string> = {
  password: 'Wrong password',
  code: 'Wrong code from the authenticator app',
  'recovery-code': 'Wrong recovery code',
  passkey: 'A passkey sign-in failed',
  provider: 'A sign-in through a provider failed',
  'provider-and-code': 'Wrong code from the authenticator app',
  'email-link': 'A sign-in link that no longer works was opened',
  'email-link-and-code': 'Wrong code from the authenticator app',
};

const TOO_MANY: Record<SignInMethod, string> = {
  password: 'wrong passwords',
  code: 'wrong codes',
  'recovery-code': 'wrong recovery codes',
  passkey: 'failed passkey sign-ins',
  provider: 'failed provider sign-ins',
  'provider-and-code': 'wrong codes',
  'email-link': 'sign-in links that no longer work',
  'email-link-and-code': 'wrong codes',
};

// why sessions ended, in brackets after what happened
const BECAUSE: Record<EndedBy, string> = {
  'this-browser': 'signed out in that browser',
  'another-browser': 'from “Your sessions” in another browser',
  'sign-out-everywhere': '“Sign out everywhere else”',
  'password-change': 'a password change',
  'password-reset': 'a password reset',
  'two-factor-change': 'a change to two-factor login',
  'passkey-removed': 'a passkey removed',
  'provider-unlinked': 'a sign-in provider unlinked',
  'not-me': '“This wasn’t me”',
};

function sessionsEnded(by: EndedBy, count: number): string {
  // a logout, or "Sign out" on "Your sessions" for the session itself
  if (by === 'this-browser') return 'Signed out';
  // a reset and "This wasn't me" end every session, the one that asked included
  const other = by === 'password-reset' || by === 'not-me' ? '' : 'other ';
  const sessions = count === 0 ? `No ${other}sessions were` : count === 1 ? `1 ${other}session was` : `${count} ${other}sessions were`;
  return `${sessions} signed out (${BECAUSE[by]})`;
}

/** What happened, in one sentence without a full stop. */
export function describeEvent(event: SecurityEvent): string {
  switch (event.type) {
    case 'signed-in':
      return `Signed in with ${SIGNED_IN_WITH[event.method]}${event.newBrowser ? ', from a browser not seen before' : ''}`;
    case 'sign-in-failed':
      return WRONG[event.method];
    case 'locked-out':
      return `Locked out after too many ${TOO_MANY[event.method]}`;
    case 'sudo-confirmed':
      return `Confirmed it was you with ${SIGNED_IN_WITH[event.method]}, before a sensitive change`;
    case 'sessions-ended':
      return sessionsEnded(event.by, event.count);
    case 'password-changed':
      return 'Password changed';
    case 'password-reset':
      return 'Password reset through a link sent by email';
    case 'two-factor-on':
      return 'Two-factor login turned on';
    case 'two-factor-off':
      return 'Two-factor login turned off';
    case 'recovery-codes-made':
      return 'New recovery codes made (the old ones no longer work)';
    case 'recovery-code-used':
      return `Recovery code used: ${event.left === 0 ? 'none' : event.left} left`;
    case 'passkey-added':
      return `Passkey “${event.name}” added`;
    case 'passkey-renamed':
      return `Passkey renamed to “${event.name}”`;
    case 'passkey-removed':
      return `Passkey “${event.name}” removed`;
    case 'provider-linked':
      return `Sign-in with ${event.name} linked`;
    case 'provider-unlinked':
      return `Sign-in with ${event.name} unlinked`;
    case 'email-change-asked':
      return 'New email address given, waiting for its confirmation';
    case 'email-change-confirmed':
      return 'Email address changed';
    case 'email-change-cancelled':
      return event.by === 'owner' ? 'Email address change cancelled' : `Email address change cancelled (${BECAUSE[event.by]})`;
    case 'email-removed':
      return 'Email address removed';
    case 'not-me-used':
      return '“This wasn’t me” used';
    default: {
      // every type is handled above: a new one stops the build here
      const unknown: never = event;
      return String(unknown);
    }
  }
}
