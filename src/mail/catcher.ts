// catcher: a local mail server for development and tests, so that nobody
// needs a mail account to try "forgot password". An in-process SMTP server
// (smtp-server) on 127.0.0.1 keeps every message it receives in memory; the
// development-only page /dev/mail shows them (features/mail/dev-mail.ts), and tests
// wait for the one sent to an address (waitFor). Given a folder (development:
// .data/mail), it also keeps them in a file there, so that the inbox survives
// a restart (npm run dev restarts on every save).
import { readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
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
  /** Keeps the inbox in a file in this folder, read at start (development); memory only without. */
  folder?: string;
  /** How many messages the inbox keeps, newest first (KEEP; tests lower it). */
  keep?: number;
  /** Called when the inbox cannot be read or saved; the catcher goes on in memory. */
  onError?: (err: unknown, what: string) => void;
}

const INBOX_FILE = 'inbox.json';

const isCaughtMail = (m: unknown): m is Omit<CaughtMail, 'receivedAt'> & { receivedAt: string } => {
  if (typeof m !== 'object' || m === null) return false;
  const r = m as Record<string, unknown>;
  return (
    Number.isSafeInteger(r.id) &&
    Array.isArray(r.to) &&
    r.to.every((a) => typeof a === 'string') &&
    ['from', 'subject', 'text', 'html', 'receivedAt'].every((k) => typeof r[k] === 'string')
  );
};

/** The messages a previous catcher saved in `file`, newest first; none when there is no file. */
function loadInbox(file: string, keep: number): CaughtMail[] {
  let saved: unknown;
  try {
    saved = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  if (!Array.isArray(saved)) throw new Error(`${file} holds no list of messages`);
  return saved
    .filter(isCaughtMail)
    .map((m) => ({ id: m.id, to: m.to, from: m.from, subject: m.subject, text: m.text, html: m.html, receivedAt: new Date(m.receivedAt) }))
    .sort((a, b) => b.id - a.id)
    .slice(0, keep);
}

export async function startMailCatcher(options: CatcherOptions = {}): Promise<MailCatcher> {
  const keep = options.keep ?? KEEP;
  const file = options.folder === undefined ? undefined : path.join(options.folder, INBOX_FILE);
  let messages: CaughtMail[] = [];
  if (file) {
    try {
      messages = loadInbox(file, keep);
    } catch (err) {
      // a damaged file loses the old mail, not the catcher
      options.onError?.(err, `reading ${file}`);
    }
  }
  const waiting = new Set<() => void>();
  let nextId = (messages[0]?.id ?? 0) + 1;

  // one save at a time, each writing the whole (small) inbox: a new file
  // renamed over the old one, so a restart mid-write finds the old or the new
  let saving = Promise.resolve();
  const save = () => {
    if (!file) return;
    saving = saving.then(async () => {
      try {
        const snapshot = JSON.stringify(messages);
        await mkdir(path.dirname(file), { recursive: true });
        await writeFile(`${file}.tmp`, snapshot);
        await rename(`${file}.tmp`, file);
      } catch (err) {
        options.onError?.(err, `saving ${file}`);
      }
    });
  };

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
          messages.length = Math.min(messages.length, keep);
          save();
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
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await saving;
    },
  };
}
