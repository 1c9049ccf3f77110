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

export function createOutbox(mailer: Mailer, logger: Logger): Outbox {
  const running = new Set<Promise<void>>();
  const later = (event: string, job: () => Promise<void>) => {
    const run = (async () => {
      // the response is sent first: this runs on a later turn of the event loop
      await new Promise((resolve) => setImmediate(resolve));
      await job();
    })().catch((err: unknown) => {
      // the error's message may name the server, never the password (nodemailer keeps it out)
      logger.error({ event, err: err instanceof Error ? { message: err.message, code: (err as NodeJS.ErrnoException).code } : String(err) }, 'background mail job failed');
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
