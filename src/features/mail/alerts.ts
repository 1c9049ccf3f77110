// alerts: the owner hears of every change to how their account signs in, and
// of a sign-in from a browser that never signed in to it before. One mail per
// change, to the confirmed address (never a pending one: that may not be the
// owner's), sent after the response (mail/outbox.ts). Each carries "This
// wasn't me": a single-use link to a page that ends every session, cancels
// a pending address change and mails a reset link (features/mail/not-me.ts).
//
// A mail never holds a secret: what happened, when, from which browser and
// address, and the link.
import { emailKey } from '../../auth/email-address.js';
import { notMeUrl, type NotMeLinks } from './not-me-links.js';
import type { AppMail } from '../../mail/app-mail.js';
import { securityAlertMail } from './mails.js';
import type { UserModel } from '../../models/user.js';
import { describeEvent } from '../../security-log/describe.js';
import type { SecurityEvent } from '../../security-log/events.js';
import type { SecurityAlerts } from '../../security-log/security-events.js';

/** Whether the owner is mailed about this event: the changes, and a sign-in from a new browser. */
export function alertsOwner(event: SecurityEvent): boolean {
  switch (event.type) {
    case 'signed-in':
      return event.newBrowser;
    case 'email-change-cancelled':
      // cancelled along with a change that has its own mail: no second one
      return event.by === 'owner';
    case 'sessions-ended':
      // ended by a change that has its own mail, or by the owner's own logout: no second mail
      return event.by === 'another-browser' || event.by === 'sign-out-everywhere';
    // lockouts come from whoever guesses, as often as they like: mailing each
    // would let anyone flood the owner's mailbox (the code step's limit has
    // one mail of its own: features/two-factor/notices.ts)
    case 'locked-out':
    case 'sign-in-failed':
    case 'sudo-confirmed':
    case 'not-me-used':
      return false;
    default:
      return true;
  }
}

// the subject says what it is about, so that the owner can tell the mails apart
const SUBJECTS: Partial<Record<SecurityEvent['type'], string>> = {
  'signed-in': 'A new sign-in to your Cloakroom account',
  'password-changed': 'Your Cloakroom password was changed',
  'password-reset': 'Your Cloakroom password was changed with a reset link',
  'two-factor-on': 'Two-factor login was turned on for your Cloakroom account',
  'two-factor-off': 'Two-factor login was turned off for your Cloakroom account',
  'recovery-codes-made': 'New recovery codes for your Cloakroom account',
  'recovery-code-used': 'A recovery code of your Cloakroom account was used',
  'passkey-added': 'A passkey was added to your Cloakroom account',
  'passkey-renamed': 'A passkey of your Cloakroom account was renamed',
  'passkey-removed': 'A passkey was removed from your Cloakroom account',
  'provider-linked': 'A sign-in provider was linked to your Cloakroom account',
  'provider-unlinked': 'A sign-in provider was unlinked from your Cloakroom account',
  'email-change-asked': 'Your Cloakroom email address is being changed',
  'email-change-confirmed': 'Your Cloakroom email address was changed',
  'email-change-cancelled': 'The email address change on your Cloakroom account was cancelled',
  'email-removed': 'Your email address was removed from Cloakroom',
  'sessions-ended': 'Sessions of your Cloakroom account were signed out',
};

/** The settings page the change is seen (and undone) on; the activity page otherwise. */
function settingsPath(event: SecurityEvent, passkeys: number): string {
  switch (event.type) {
    case 'password-reset':
      return passkeys > 0 ? '/account/passkeys' : '/account/activity';
    case 'passkey-added':
    case 'passkey-renamed':
    case 'passkey-removed':
      return '/account/passkeys';
    case 'two-factor-on':
    case 'two-factor-off':
    case 'recovery-codes-made':
    case 'recovery-code-used':
      return '/account/two-factor';
    case 'email-change-asked':
    case 'email-change-cancelled':
      return '/account/email';
    case 'sessions-ended':
    case 'signed-in':
      return '/sessions';
    default:
      return '/account/activity';
  }
}

const passkeyCount = (n: number) => (n === 1 ? 'one passkey' : `${n} passkeys`);

/** What it means and what to do, where a sentence helps. */
function whatNow(event: SecurityEvent, passkeys: number): string | undefined {
  switch (event.type) {
    case 'password-changed':
      return 'Every other session of the account was signed out.';
    case 'password-reset':
      // a passkey signs in without the password: a reset does not shut out whoever added one
      return passkeys > 0
        ? `Every session of the account was signed out. Your account has ${passkeyCount(passkeys)}. A new password does not change them: each still signs in without a password.`
        : 'Every session of the account was signed out.';
    case 'two-factor-off':
      return 'From now on the password alone signs in. Every other session was signed out.';
    case 'recovery-codes-made':
      return 'The earlier recovery codes no longer work.';
    case 'passkey-added':
      return `A passkey named "${event.name}" signs in on its own, without your password or a code.`;
    case 'email-change-asked':
      return 'Once the new address is confirmed, password-reset links go there instead of here, and any sent here stop working.';
    case 'email-change-confirmed':
    case 'email-removed':
      return 'Password-reset links can no longer be sent to this address, any sent here stop working, and this is the last mail it gets from us.';
    default:
      return undefined;
  }
}

export function securityAlerts(deps: { users: UserModel; /** a feature's credentials that sign in on their own (passkeys), counted */ credentials: { count(userId: string): Promise<number> } | undefined; mail: AppMail | undefined; publicUrl: string; notMeLinks: NotMeLinks }): SecurityAlerts {
  const { users, credentials, mail, publicUrl, notMeLinks } = deps;
  return {
    send(userId, event, context, at, to) {
      if (!mail || !alertsOwner(event)) return;
      mail.outbox.later(`security-alert-${event.type}`, async () => {
        const user = await users.findById(userId, { username: 1, email: 1, 'twoFactor.enabledAt': 1 }).lean();
        const recipient = to ?? user?.email;
        if (!user || !recipient) return;
        // the link knows where it went, and which enrolment a "two-factor on" alert is about (features/mail/not-me.ts)
        const twoFactorEnabledAt = event.type === 'two-factor-on' ? user.twoFactor?.enabledAt : undefined;
        // a reset does not remove passkeys: the owner must know how many still sign in
        const passkeysLeft = event.type === 'password-reset' && credentials ? await credentials.count(userId) : 0;
        const token = await notMeLinks.create({ userId, mailedTo: emailKey(recipient), ...(twoFactorEnabledAt ? { twoFactorEnabledAt } : {}) });
        await mail.outbox.sendNow(
          securityAlertMail({
            to: recipient,
            username: user.username,
            subject: SUBJECTS[event.type] ?? 'A security change on your Cloakroom account',
            what: describeEvent(event),
            newSignIn: event.type === 'signed-in',
            whatNow: whatNow(event, passkeysLeft),
            when: at,
            browser: context.browser,
            address: context.ip,
            settingsUrl: `${publicUrl}${settingsPath(event, passkeysLeft)}`,
            notMeUrl: notMeUrl(publicUrl, token),
          }),
        );
      });
    },
  };
}
