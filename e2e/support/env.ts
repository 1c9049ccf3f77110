// env: the settings every app instance of the browser tests shares. Instances
// started by a test must sign cookies and hash passwords like the main one.
export const E2E_APP_ENV = {
  NODE_ENV: 'test',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'info',
  BCRYPT_COST: '10',
  SESSION_SECRET: 'e2e-secret-used-only-by-the-browser-tests',
  PASSWORD_PEPPER: 'e2e-pepper-used-only-by-the-browser-tests',
  // small enough for the throttling journey to reach...
  LOGIN_MAX_CONSECUTIVE_FAILURES: '3',
  LOGIN_LOCKOUT: '1m',
  // ...and per-address limits out of the way: every test browses from 127.0.0.1
  LOGIN_MAX_FAILURES_PER_IP_PER_DAY: '100000',
  LOGIN_CHECKS_AT_ONCE_PER_IP: '1000',
  REGISTRATIONS_PER_IP_PER_HOUR: '100000',
  ANONYMOUS_SESSIONS_PER_IP_PER_HOUR: '100000',
  PASSWORD_RESET_REQUESTS_PER_IP_PER_HOUR: '100000',
} as const;

/** What the app prints once it listens; the database URI is captured from it. */
export const LISTENING_LINE = /listening on (?<url>\S+) \(database (?<e2e_mongodb_uri>mongodb:\/\/[^)\s]+)\)/;

/**
 * The same server under a domain name. WebAuthn refuses IP addresses, so
 * passkeys cannot work at the suite's http://127.0.0.1:<port>; the browser
 * tests of passkeys browse http://localhost:<port> instead, the app's
 * PUBLIC_URL (playwright.config.ts). Chromium treats localhost as a secure
 * context, as it would https. Cookies are per host: a browser logged in at
 * one is a stranger at the other.
 */
export function localhostURL(baseURL: string): string {
  const url = new URL(baseURL);
  url.hostname = 'localhost';
  return url.origin;
}
