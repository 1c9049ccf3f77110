// app mail: how mail is sent (the outbox, over SMTP), and the local catcher's
// inbox (features/mail/dev-mail.ts shows it), opened by server.ts and the
// tests beside the database. Without SMTP_URL (development and tests
// only, config.ts refuses it in production) the mail goes to a local catcher,
// loaded only then: it and its packages (smtp-server, mailparser) are
// development dependencies, not in the production image.
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { CatcherOptions, MailCatcher, MailInbox } from './catcher.js';
import { redactSmtpUrl, smtpMailer } from './mailer.js';
import { createOutbox, type Outbox } from './outbox.js';

export interface AppMail {
  outbox: Outbox;
  /** the local catcher's inbox, shown at /dev/mail; undefined with a real SMTP server */
  inbox: MailInbox | undefined;
}

export interface OpenedMail {
  mail: AppMail;
  /** the local catcher, when there is one */
  catcher: MailCatcher | undefined;
  /** where mail goes, for the startup log (never with a password) */
  destination: string;
  /** Waits for mail still being sent, then stops the catcher. */
  close(): Promise<void>;
}

export async function openAppMail(
  config: Config,
  logger: Logger,
  catcherOptions: CatcherOptions = {},
): Promise<OpenedMail> {
  let catcher: MailCatcher | undefined;
  if (config.mail.smtpUrl === undefined) {
    // never a static import: production would then need smtp-server and
    // mailparser (test/ops/dev-only-modules.test.ts)
    const { startMailCatcher } = await import('./catcher.js');
    catcher = await startMailCatcher({
      onError: (err, what) => logger.warn({ err }, `Mail catcher: ${what} failed; the inbox goes on in memory`),
      ...catcherOptions,
    });
  }
  const smtpUrl = config.mail.smtpUrl ?? catcher?.smtpUrl ?? '';
  const outbox = createOutbox(smtpMailer(smtpUrl, config.mail.from), logger);
  return {
    mail: {
      outbox,
      inbox: catcher,
    },
    catcher,
    destination: catcher ? `the local mail catcher (${catcher.smtpUrl})` : redactSmtpUrl(smtpUrl),
    async close() {
      await outbox.close();
      await catcher?.stop();
    },
  };
}
