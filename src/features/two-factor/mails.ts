// two-factor's mail: the right password, then too many wrong codes (notices.ts)
import { compose } from '../../mail/compose.js';
import type { MailMessage } from '../../mail/mailer.js';

export function secondFactorFailuresMail(o: { to: string; username: string; failures: number; forgotUrl: string; lockout: string }): MailMessage {
  return compose(o.to, 'Someone has your Cloakroom password', [
    { text: `Hello ${o.username},` },
    { text: `Someone typed the right password for your Cloakroom account, then a wrong two-factor code ${o.failures} times. Your second factor kept them out, but they know your password. Change it now:`, link: { href: o.forgotUrl, label: 'Choose a new password' } },
    { text: `To stop the guessing, the code step of a login to your account is closed for up to ${o.lockout}, for everyone, you included. A new password ends every login the old one started.` },
    { text: 'If it was you, mistyping, you can ignore this mail and log in again later.' },
  ]);
}
