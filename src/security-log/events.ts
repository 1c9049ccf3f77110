// security events: what the security log keeps (/account/activity) and what
// the owner is mailed about. One list, so that the log, the alerts and the
// code that records them agree on every name. Never a secret, a token, a
// code or a hash in here: only what happened, how, and from where.

/** How a sign-in (or a sudo-mode confirmation) proved who it was. */
export type SignInMethod = 'password' | 'code' | 'recovery-code' | 'passkey' | 'provider' | 'provider-and-code' | 'email-link' | 'email-link-and-code';

/** Who or what ended sessions. */
export type EndedBy =
  | 'this-browser' // logout, or "end" on "Your sessions" for this one
  | 'another-browser' // "end" on "Your sessions" from another session
  | 'sign-out-everywhere' // "sign out everywhere else"
  | 'password-change'
  | 'password-reset'
  | 'two-factor-change'
  | 'passkey-removed'
  | 'provider-unlinked'
  | 'not-me'; // the "This wasn't me" page

export type SecurityEvent =
  | { type: 'signed-in'; method: SignInMethod; newBrowser: boolean }
  | { type: 'sign-in-failed'; method: SignInMethod }
  | { type: 'locked-out'; method: SignInMethod }
  | { type: 'sudo-confirmed'; method: SignInMethod }
  | { type: 'sessions-ended'; by: EndedBy; count: number }
  | { type: 'password-changed' }
  | { type: 'password-reset' }
  | { type: 'two-factor-on' }
  | { type: 'two-factor-off' }
  | { type: 'recovery-codes-made' }
  | { type: 'recovery-code-used'; left: number }
  | { type: 'passkey-added'; name: string }
  | { type: 'passkey-renamed'; name: string }
  | { type: 'passkey-removed'; name: string }
  | { type: 'provider-linked'; name: string }
  | { type: 'provider-unlinked'; name: string }
  | { type: 'email-change-asked' }
  | { type: 'email-change-confirmed' }
  | { type: 'email-change-cancelled'; by: 'owner' | EndedBy }
  | { type: 'email-removed' }
  | { type: 'not-me-used' };

export type SecurityEventType = SecurityEvent['type'];

/** Where an event came from, as the log shows it. */
export interface EventContext {
  /** the client's address (req.ip) */
  ip: string;
  /** "Chrome 156 on Linux" (session/describe-browser.ts), from User-Agent */
  browser: string;
  /** SHA-256 of the known-browser cookie's ID, if the browser has one: marks "this browser" */
  browserKey: string | undefined;
}
