// mailer: sends one message over SMTP with nodemailer. The same code talks to
// a real provider (SMTP_URL) and to the local mail catcher (catcher.ts):
// development exercises the real path, only the server at the other end differs.
import nodemailer from 'nodemailer';

/** One message, in both forms every mail program can show: plain text and simple HTML. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
  close(): void;
}

// a provider that hangs must not hold a background job for minutes
// (nodemailer's defaults are 2 minutes to connect and 10 for the socket)
const SMTP_TIMEOUT_MS = 15_000;

/**
 * A mailer for an SMTP server. smtps:// is TLS from the first byte (port
 * 465); smtp:// upgrades with STARTTLS when the server offers it (port 587):
 * nodemailer does that by itself, and `requireTLS` below makes it refuse a
 * server that does not, except on this machine (the local catcher).
 */
export function smtpMailer(smtpUrl: string, from: string): Mailer {
  const url = new URL(smtpUrl);
  const local = url.hostname === '127.0.0.1' || url.hostname === 'localhost';
  const transport = nodemailer.createTransport({
    host: url.hostname,
    port: url.port === '' ? undefined : Number(url.port),
    secure: url.protocol === 'smtps:',
    requireTLS: url.protocol === 'smtp:' && !local,
    auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
    connectionTimeout: SMTP_TIMEOUT_MS,
    greetingTimeout: SMTP_TIMEOUT_MS,
    socketTimeout: SMTP_TIMEOUT_MS,
    // one connection per message is plenty for a login site's mail
    pool: false,
  });
  return {
    async send(message) {
      await transport.sendMail({ from, ...message });
    },
    close: () => transport.close(),
  };
}

/** SMTP_URL without its password, for logs. */
export function redactSmtpUrl(smtpUrl: string): string {
  const url = new URL(smtpUrl);
  if (url.password) url.password = '***';
  return url.toString();
}
