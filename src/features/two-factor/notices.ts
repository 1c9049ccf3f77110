// two-factor notices: the mail an account's confirmed address gets when its
// second factor is being guessed at (the changes are security alerts:
// features/mail/alerts.ts). The address is
// looked up and the mail sent in the background (outbox.ts): the response
// never waits for the mail server. An account without a confirmed address,
// or an app without mail (EMAIL=off), sends nothing; the log has the event.
import { describeDuration } from '../../duration.js';
import type { UserModel } from '../../models/user.js';
import { SECOND_FACTOR_FAILURES_WINDOW_MS } from '../../security/throttle.js';
import type { AppMail } from '../../mail/app-mail.js';
import type { MailMessage } from '../../mail/mailer.js';
import { secondFactorFailuresMail } from './mails.js';

export interface TwoFactorNotices {
  /** The account's wrong codes reached the limit: its owner should change the password. */
  codeFailures(userId: string, failures: number): void;
}

export function twoFactorNotices(deps: { users: UserModel; mail: AppMail | undefined; publicUrl: string }): TwoFactorNotices {
  const { users, mail, publicUrl } = deps;

  function toOwner(event: string, userId: string, message: (to: string, username: string) => MailMessage): void {
    if (!mail) return;
    mail.outbox.later(event, async () => {
      // the confirmed address only: a pending one may not be the owner's
      const user = await users.findById(userId, { username: 1, email: 1 }).lean();
      if (user?.email) await mail.outbox.sendNow(message(user.email, user.username));
    });
  }

  return {
    codeFailures(userId, failures) {
      toOwner('two-factor-failures-notice', userId, (to, username) =>
        secondFactorFailuresMail({ to, username, failures, forgotUrl: `${publicUrl}/forgot-password`, lockout: describeDuration(SECOND_FACTOR_FAILURES_WINDOW_MS) }),
      );
    },
  };
}
