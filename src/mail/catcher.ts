// catcher: a local mail server for development and tests, so that nobody
// needs a mail account to try "forgot password". An in-process SMTP server
// (smtp-server) on 127.0.0.1 keeps every message it receives in memory; the
// development-only page /dev/mail shows them (routes/dev-mail.ts), and tests
// wait for the one sent to an address (waitFor).
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface CaughtMail {
  id: number;
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string;
  receivedAt: Date;
}

/** What the inbox page and the tests read. */
export interface MailInbox {
  /** Newest first. */
  messages(): CaughtMail[];
  /** The first message to this address received after `after` (a message id), waiting for it. */
  waitFor(to: string, options?: { after?: number; timeoutMs?: number }): Promise<CaughtMail>;
  /** The id of the newest message so far (0 when there is none). */
  lastId(): number;
}

export interface MailCatcher extends MailInbox {
  /** smtp://127.0.0.1:PORT, for the mailer. */
  smtpUrl: string;
  stop(): Promise<void>;
}

// a development inbox, not an archive: the oldest go first
const KEEP = 200;
// a message larger than this is not one of ours
const MAX_SIZE = 1024 * 1024;

const addressesOf = (field: { value: { address?: string }[] } | { value: { address?: string }[] }[] | undefined) =>
  (Array.isArray(field) ? field : field ? [field] : []).flatMap((f) => f.value.map((a) => (a.address ?? '').toLowerCase()));

export interface CatcherOptions {
  port?: number;
  /** Waits this long before accepting each message, like a slow provider (tests). */
  delayMs?: number;
}

export async function startMailCatcher(options: CatcherOptions = {}): Promise<MailCatcher> {
  const messages: CaughtMail[] = [];
  const waiting = new Set<() => void>();
  let nextId = 1;

  const server = new SMTPServer({
    // plain SMTP on the loopback interface, no login: nothing leaves this machine
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    size: MAX_SIZE,
    logger: false,
    banner: 'Cloakroom mail catcher (development only)',
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        async (mail) => {
          if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
          messages.unshift({
            id: nextId++,
            to: addressesOf(mail.to),
            from: mail.from?.text ?? '',
            subject: mail.subject ?? '',
            text: mail.text ?? '',
            html: typeof mail.html === 'string' ? mail.html : '',
            receivedAt: new Date(),
          });
          messages.length = Math.min(messages.length, KEEP);
          for (const wake of waiting) wake();
          callback();
        },
        (err: Error) => callback(err),
      );
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  // after startup, a broken connection is the client's problem, not a crash
  server.on('error', () => undefined);
  const { port } = server.server.address() as AddressInfo;

  const find = (to: string, after: number) => messages.findLast((m) => m.id > after && m.to.includes(to.toLowerCase()));

  return {
    smtpUrl: `smtp://127.0.0.1:${port}`,
    messages: () => [...messages],
    lastId: () => messages[0]?.id ?? 0,
    waitFor(to, { after = 0, timeoutMs = 30_000 } = {}) {
      const found = find(to, after);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(wake);
          reject(new Error(`no mail to ${to} arrived within ${timeoutMs} ms`));
        }, timeoutMs);
        const wake = () => {
          const mail = find(to, after);
          if (!mail) return;
          clearTimeout(timer);
          waiting.delete(wake);
          resolve(mail);
        };
        waiting.add(wake);
      });
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
