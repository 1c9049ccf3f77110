// reset link: a password-reset link issued and mailed, for every page that
// sends one ("forgot password", and "This wasn't me"): the link's rules live
// in features/mail/password-reset.ts, its words in mails.ts, and this puts the
// two together once, so both pages send the same link the same way.
import { describeDuration } from '../../duration.js';
import { passwordResets } from './password-reset.js';
import type { UserModel } from '../../models/user.js';
import type { MailSettings } from './settings.js';
import { passwordResetMail, type ResetReason } from './mails.js';
import type { Outbox } from '../../mail/outbox.js';

export interface ResetLinkDeps {
  users: UserModel;
  mail: { outbox: Outbox };
  settings: Pick<MailSettings, 'passwordResetLifetimeMs'>;
  /** the site's public origin: the link never comes from the request's Host header */
  publicUrl: string;
}

/** The account as the link needs it: where it goes, and the password hash it may replace. */
export interface ResetRecipient {
  _id: unknown;
  username: string;
  email?: string | null;
  emailKey?: string | null;
  passwordHash: string;
}

export function resetLinkMailer(deps: ResetLinkDeps) {
  const resets = passwordResets(deps.users, deps.settings.passwordResetLifetimeMs);
  const lifetime = describeDuration(deps.settings.passwordResetLifetimeMs);
  return {
    /** How long a link works, as the pages say it ("30 minutes"). */
    lifetime,
    /**
     * Issues a new link (any older one stops working) and sends it now, to
     * the confirmed address only. False if there is none, or the password or
     * the address changed meanwhile: nothing is sent then.
     */
    async send(user: ResetRecipient, reason: ResetReason = 'asked'): Promise<boolean> {
      if (!user.email) return false;
      const issued = await resets.issue(user);
      if (!issued) return false;
      const link = `${deps.publicUrl}/reset-password?token=${issued.token}`;
      await deps.mail.outbox.sendNow(passwordResetMail({ to: user.email, username: user.username, link, lifetime, reason }));
      return true;
    },
  };
}
