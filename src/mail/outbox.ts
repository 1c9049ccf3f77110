// outbox: work that runs after the response has gone out. "Forgot password"
// answers the same page at once, whoever was asked for; looking the account
// up, storing its link and talking to the mail server happen here, so neither
// the database's nor the mail server's time shows in how long the answer took
// (that difference would tell which accounts exist). A failure is logged,
// never shown: the visitor has had their answer already.
import type { Logger } from '../logger.js';
import type { Mailer, MailMessage } from './mailer.js';

export interface Outbox {
  /** Runs `job` in the background; its failure is logged as `event`. */
  later(event: string, job: () => Promise<void>): void;
  /** Sends a message in the background (the job's own mail, or a notice). */
  send(event: string, message: MailMessage): void;
  /** Sends a message now, for a job already in the background. */
  sendNow(message: MailMessage): Promise<void>;
  /** Resolves when every job started so far has finished (shutdown, tests). */
  drained(): Promise<void>;
  close(): Promise<void>;
}

/**
 * What is logged of a failure: its codes only, never its message. For a
 * refused recipient nodemailer's message carries the server's reply, which
 * usually names the address ("550 5.1.1 <someone@example.com>: no such
 * user"), and this log promises never to hold one (features/mail/forgot-password.ts).
 */
export function errorCodes(err: unknown): { name: string; code?: string; responseCode?: number } {
  if (!(err instanceof Error)) return { name: typeof err };
  const { code, responseCode } = err as Error & { code?: unknown; responseCode?: unknown };
  return {
    name: err.name,
    ...(typeof code === 'string' ? { code } : {}),
    ...(typeof responseCode === 'number' ? { responseCode } : {}),
  };
}

export function createOutbox(mailer: Mailer, logger: Logger): Outbox {
  const running = new Set<Promise<void>>();
  const later = (event: string, job: () => Promise<void>) => {
    const run = (async () => {
      // the response is sent first: this runs on a later turn of the event loop
      await new Promise((resolve) => setImmediate(resolve));
      await job();
    })().catch((err: unknown) => {
      logger.error({ event, err: errorCodes(err) }, 'background mail job failed');
    });
    running.add(run);
    void run.finally(() => running.delete(run));
  };
  return {
    later,
    send: (event, message) => later(event, () => mailer.send(message)),
    sendNow: (message) => mailer.send(message),
    async drained() {
      while (running.size > 0) await Promise.all(running);
    },
    async close() {
      await this.drained();
      mailer.close();
    },
  };
}
