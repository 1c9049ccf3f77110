// config: read once from the environment, validated and typed.
// Every variable is documented in .env.example; a bad value stops the
// process at startup with a message that names the variable.
import os from 'node:os';
import { z } from 'zod';
import { duration, intInRange, optionalString } from './env-values.js';

export const DEV_SESSION_SECRET = 'dev-only-secret-never-use-in-production';
export const DEV_PASSWORD_PEPPER = 'dev-only-pepper-never-use-in-production';

export type NodeEnv = 'development' | 'test' | 'production';
export type ExpiryMode = 'auto' | 'ttl' | 'sweep';
export type LocalDbEngine = 'auto' | 'mongod' | 'ferretdb';

export interface Config {
  env: NodeEnv;
  isProduction: boolean;
  // the features FEATURES turns on (src/feature.ts, src/features/): the core
  // journey works with none of them
  features: FeatureName[];
  host: string;
  port: number;
  // the address people use to reach the site (PUBLIC_URL), as an origin: the
  // links in mail and the passkeys' relying party come from here, never from
  // a request's Host header, which the client writes
  publicUrl: string;
  logLevel: string;
  // undefined means "start the local database" (never in production)
  mongodbUri: string | undefined;
  db: {
    serverSelectionTimeoutMs: number;
    // how long to wait for a server that is there but does not answer
    responseTimeoutMs: number;
    // how long startup keeps trying to reach the database before exiting
    startupTimeoutMs: number;
  };
  localDb: {
    engine: LocalDbEngine;
    // undefined means a fresh temporary directory for this run
    dataDir: string | undefined;
  };
  session: {
    // the first secret signs new cookies; the others are still accepted (rotation)
    secrets: string[];
    usingDevSecret: boolean;
    cookieName: string;
    // logged out after this long without a request (sliding)
    idleTimeoutMs: number;
    // logged out this long after login, however busy the session is
    absoluteTimeoutMs: number;
    // "Keep me signed in on this device": a persistent cookie, and these
    // longer timeouts instead of the two above
    rememberMe: { idleTimeoutMs: number; absoluteTimeoutMs: number };
    // sudo mode: how long a password (or passkey) check lets this session do
    // what matters most (session/recent-auth.ts)
    reauthWindowMs: number;
    secureCookie: boolean;
  };
  // how whatever expires leaves MongoDB: sessions, throttle counters, demo accounts
  expiry: {
    // a TTL index where the server has them, else a periodic sweep (db/expiry.ts)
    mode: ExpiryMode;
    sweepIntervalMinutes: number;
  };
  passwords: {
    bcryptCost: number;
    // threads that hash passwords (auth/bcrypt-pool.ts): one per core unless set
    hashThreads: number;
    // the key of the HMAC applied before bcrypt (see auth/passwords.ts)
    pepper: string;
    usingDevPepper: boolean;
  };
  throttle: {
    maxConsecutiveFailures: number;
    lockoutMs: number;
    // past it, an address gets one failure per username per lockout (not a block)
    maxFailuresPerIpPerDay: number;
    // password checks one address may have running at once, per process
    checksAtOncePerIp: number;
    registrationsPerIpPerHour: number;
    // sessions stored for the CSRF token of the anonymous login and register forms
    anonymousSessionsPerIpPerHour: number;
  };
  trustProxy: boolean | number | string;
  // how long a SIGTERM waits for requests in flight before exiting anyway
  shutdownGraceMs: number;
  demo: {
    // a public demo: a banner on every page, accounts removed after accountTtlMs
    enabled: boolean;
    accountTtlMs: number;
  };
  // the security log: what happened to each account (security-log/, /account/activity)
  securityLog: {
    // an event is deleted this long after it happened (a TTL index, or the sweep)
    retentionMs: number;
    // and an account keeps only its newest this many, however busy it is
    maxPerAccount: number;
  };
  // sending mail (src/mail/): what the mail feature and the alerts send goes
  // through it; what is mailed, and how often, is the features' own settings
  mail: {
    enabled: boolean;
    // undefined: the local mail catcher (development and tests only)
    smtpUrl: string | undefined;
    from: string;
  };
  // each feature's own settings, by its name (src/feature.ts): read from its
  // variables by loadConfig, beside the core's, for the features FEATURES turns on
  settings: Readonly<Record<string, unknown>>;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}\n` +
        'Fix the variables above (see .env.example for what each one means) and start again.',
    );
    this.name = 'ConfigError';
  }
}

/** What FEATURES may name: the features of features/index.ts (test/features/features.test.ts keeps the two lists alike). */
export const FEATURE_NAMES = ['two-factor', 'passkeys', 'mail', 'oidc'] as const;
export type FeatureName = (typeof FEATURE_NAMES)[number];

/** FEATURES: "all" (the default), "none", or a comma list of FEATURE_NAMES. */
function parseFeatures(value: string | undefined, problems: string[]): FeatureName[] {
  if (value === undefined || value === 'all') return [...FEATURE_NAMES];
  if (value === 'none') return [];
  const names = value.split(',').map((name) => name.trim()).filter((name) => name !== '');
  const unknown = names.filter((name) => !(FEATURE_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0) {
    problems.push(`FEATURES names ${unknown.map((name) => `"${name}"`).join(', ')}, which is not a feature: use all, none, or a comma list of ${FEATURE_NAMES.join(', ')}`);
  }
  return FEATURE_NAMES.filter((name) => names.includes(name));
}

const envSchema = z.object({
  NODE_ENV: z
    .enum(['development', 'test', 'production'], { message: 'NODE_ENV must be development, test or production' })
    .optional()
    .transform((v) => v ?? 'development'),
  HOST: optionalString.transform((v) => v ?? '127.0.0.1'),
  PORT: intInRange('PORT', 0, 65535, 3000),
  PUBLIC_URL: optionalString,
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      message: 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
    })
    .optional(),
  MONGODB_URI: optionalString.pipe(
    z
      .string()
      .regex(/^mongodb(\+srv)?:\/\//, 'MONGODB_URI must start with mongodb:// or mongodb+srv://')
      .optional(),
  ),
  DB_SERVER_SELECTION_TIMEOUT_MS: intInRange('DB_SERVER_SELECTION_TIMEOUT_MS', 100, 120_000, 5000),
  DB_RESPONSE_TIMEOUT_MS: intInRange('DB_RESPONSE_TIMEOUT_MS', 100, 120_000, 4000),
  DB_STARTUP_TIMEOUT: duration('DB_STARTUP_TIMEOUT', 0, 86_400_000, '60s'),
  LOCAL_DB_ENGINE: z
    .enum(['auto', 'mongod', 'ferretdb'], { message: 'LOCAL_DB_ENGINE must be auto, mongod or ferretdb' })
    .optional()
    .transform((v) => v ?? 'auto'),
  LOCAL_DB_DIR: optionalString,
  SESSION_SECRET: optionalString,
  SESSION_COOKIE_NAME: optionalString.pipe(
    z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, 'SESSION_COOKIE_NAME may use letters, digits, ".", "_" and "-" only')
      .refine((v) => v !== 'connect.sid', 'SESSION_COOKIE_NAME must not be the default "connect.sid" (it tells attackers what runs here)')
      .optional(),
  ),
  SESSION_IDLE_TIMEOUT: duration('SESSION_IDLE_TIMEOUT', 1000, 30 * 86_400_000, '30m'),
  SESSION_ABSOLUTE_TIMEOUT: duration('SESSION_ABSOLUTE_TIMEOUT', 1000, 30 * 86_400_000, '12h'),
  REMEMBER_ME_IDLE_TIMEOUT: duration('REMEMBER_ME_IDLE_TIMEOUT', 1000, 400 * 86_400_000, '7d'),
  REMEMBER_ME_ABSOLUTE_TIMEOUT: duration('REMEMBER_ME_ABSOLUTE_TIMEOUT', 1000, 400 * 86_400_000, '30d'),
  REAUTH_WINDOW: duration('REAUTH_WINDOW', 1000, 86_400_000, '10m'),
  SESSION_EXPIRY_MODE: z
    .enum(['auto', 'ttl', 'sweep'], { message: 'SESSION_EXPIRY_MODE must be auto, ttl or sweep' })
    .optional()
    .transform((v) => v ?? 'auto'),
  SESSION_SWEEP_INTERVAL_MINUTES: intInRange('SESSION_SWEEP_INTERVAL_MINUTES', 1, 24 * 60, 10),
  BCRYPT_COST: intInRange('BCRYPT_COST', 10, 16, 12),
  PASSWORD_HASH_THREADS: intInRange('PASSWORD_HASH_THREADS', 1, 256, 0),
  PASSWORD_PEPPER: optionalString,
  LOGIN_MAX_CONSECUTIVE_FAILURES: intInRange('LOGIN_MAX_CONSECUTIVE_FAILURES', 1, 1000, 10),
  LOGIN_LOCKOUT: duration('LOGIN_LOCKOUT', 1000, 7 * 86_400_000, '15m'),
  LOGIN_MAX_FAILURES_PER_IP_PER_DAY: intInRange('LOGIN_MAX_FAILURES_PER_IP_PER_DAY', 1, 1_000_000, 100),
  LOGIN_CHECKS_AT_ONCE_PER_IP: intInRange('LOGIN_CHECKS_AT_ONCE_PER_IP', 1, 10_000, 4),
  REGISTRATIONS_PER_IP_PER_HOUR: intInRange('REGISTRATIONS_PER_IP_PER_HOUR', 1, 1_000_000, 10),
  ANONYMOUS_SESSIONS_PER_IP_PER_HOUR: intInRange('ANONYMOUS_SESSIONS_PER_IP_PER_HOUR', 1, 10_000_000, 300),
  TRUST_PROXY: optionalString,
  SHUTDOWN_GRACE_SECONDS: intInRange('SHUTDOWN_GRACE_SECONDS', 1, 600, 10),
  DEMO_MODE: z
    .enum(['true', 'false'], { message: 'DEMO_MODE must be true or false' })
    .optional()
    .transform((v) => v === 'true'),
  DEMO_ACCOUNT_TTL: duration('DEMO_ACCOUNT_TTL', 1000, 365 * 86_400_000, '24h'),
  SECURITY_LOG_RETENTION: duration('SECURITY_LOG_RETENTION', 86_400_000, 5 * 365 * 86_400_000, '90d'),
  SECURITY_LOG_MAX_PER_ACCOUNT: intInRange('SECURITY_LOG_MAX_PER_ACCOUNT', 10, 10_000, 200),
  FEATURES: optionalString,
  EMAIL: z
    .enum(['on', 'off'], { message: 'EMAIL must be on or off' })
    .optional()
    .transform((v) => v !== 'off'),
  SMTP_URL: optionalString.pipe(
    z
      .url({ protocol: /^smtps?$/, message: 'SMTP_URL must be a URL such as smtp://user:password@mail.example.com:587 (STARTTLS) or smtps://user:password@mail.example.com:465 (TLS)' })
      .optional(),
  ),
  MAIL_FROM: optionalString.pipe(
    z
      .string()
      .regex(/^([^<>@\r\n]*<[^<>@\s]+@[^<>@\s]+>|[^<>@\s]+@[^<>@\s]+)$/, 'MAIL_FROM must be an address, e.g. no-reply@example.com or "Cloakroom <no-reply@example.com>"')
      .optional(),
  ),
});

/** Every environment variable the config reads (documented in .env.example). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(envSchema.shape);

function parseTrustProxy(raw: string | undefined): boolean | number | string {
  if (raw === undefined || raw === 'false') return false;
  if (raw === 'true') return true;
  if (/^\d+$/.test(raw)) return Number(raw);
  // anything else is handed to Express as is: "loopback", "10.0.0.0/8, 127.0.0.1", ...
  return raw;
}

const TRUST_PROXY_FIX =
  "set TRUST_PROXY to your proxies' addresses instead: loopback (a proxy on this machine), a subnet such as 10.0.0.0/8, or a comma-separated list";

/**
 * The startup warning for a TRUST_PROXY that counts hops (production only).
 * Express then takes the address that many hops from the end of
 * X-Forwarded-For, whoever sent the request: a client that reaches the app's
 * port directly, not through the proxy, writes that header itself.
 */
export function trustProxyWarning(config: Pick<Config, 'isProduction' | 'trustProxy'>): string | undefined {
  const hops = config.trustProxy;
  if (config.isProduction && (hops === false || hops === 0)) {
    return `NODE_ENV=production and no proxy is trusted (TRUST_PROXY is unset, false or 0): this app does not serve HTTPS itself, so every request looks like plain HTTP, the Secure session cookie is never sent, and nobody can log in. Serve it through a TLS proxy and set TRUST_PROXY to the proxy's address (loopback for a proxy on this machine, a subnet, or a list), as docker-compose.yml does; see docs/deploying.md`;
  }
  if (!config.isProduction || typeof hops !== 'number' || hops === 0) return undefined;
  return `TRUST_PROXY=${hops} trusts X-Forwarded-For from whoever connects: a client that can reach this port directly can forge its address and dodge every per-address limit; ${TRUST_PROXY_FIX}`;
}

/**
 * PUBLIC_URL as an origin ("https://example.com", no path). Required in
 * production, where it must be https; elsewhere http://localhost:<PORT>.
 */
function parsePublicUrl(raw: string | undefined, isProduction: boolean, port: number, problems: string[]): string {
  const fix = 'set it to the address people type to reach the site, e.g. PUBLIC_URL=https://cloakroom.example.com';
  if (raw === undefined) {
    if (isProduction) problems.push(`PUBLIC_URL is required when NODE_ENV=production: ${fix}`);
    return `http://localhost:${port}`;
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.push(`PUBLIC_URL is not a URL: ${fix}`);
    return raw;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    problems.push(`PUBLIC_URL must start with https:// (or http:// outside production): ${fix}`);
  } else if (isProduction && url.protocol !== 'https:') {
    problems.push(`PUBLIC_URL must start with https:// when NODE_ENV=production: ${fix}`);
  }
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    problems.push(`PUBLIC_URL must be an origin only (scheme, host and port), without a path, query or user: ${fix}`);
  }
  return url.origin;
}

/**
 * A feature's own variables (src/feature.ts says how a feature declares them):
 * read by loadConfig after the core's, when FEATURES turns the feature on.
 */
export interface SettingsSection {
  name: string;
  /** every variable it reads (documented in .env.example) */
  variables: readonly string[];
  /** its settings; a problem names the variable and what to do */
  read(env: NodeJS.ProcessEnv, core: Config, problems: string[]): unknown;
}

/**
 * The configuration: the core's variables, then each feature's (`sections`,
 * handed in by server.ts: the core names no feature). Every problem is told
 * at once, before anything starts.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, sections: readonly SettingsSection[] = []): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => issue.message));
  }
  const e = parsed.data;
  const isProduction = e.NODE_ENV === 'production';
  const problems: string[] = [];

  if (isProduction && e.MONGODB_URI === undefined) {
    problems.push(
      'MONGODB_URI is required when NODE_ENV=production (the local database is for development and tests only)',
    );
  }

  const secrets = (e.SESSION_SECRET ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (isProduction) {
    if (secrets.length === 0) {
      problems.push(
        'SESSION_SECRET is required when NODE_ENV=production; generate one with: node -e "console.log(require(\'crypto\').randomBytes(32).toString(\'base64url\'))"',
      );
    }
    for (const secret of secrets) {
      if (secret.length < 32) problems.push('each SESSION_SECRET must be at least 32 characters long');
      if (secret === DEV_SESSION_SECRET || secret.startsWith('change-me')) {
        problems.push('SESSION_SECRET still holds the example value; generate a random one');
      }
    }
  }

  const pepper = e.PASSWORD_PEPPER;
  if (isProduction) {
    if (pepper === undefined) {
      problems.push(
        'PASSWORD_PEPPER is required when NODE_ENV=production (32+ random characters; keep it forever: changing it invalidates every password)',
      );
    } else if (pepper.length < 32 || pepper === DEV_PASSWORD_PEPPER || pepper.startsWith('change-me')) {
      problems.push('PASSWORD_PEPPER must be at least 32 random characters, not the example value');
    }
    // OWASP and NIST: a work factor that costs an attacker real time per guess
    if (e.BCRYPT_COST < 12) problems.push('BCRYPT_COST must be at least 12 when NODE_ENV=production');
  }
  if (isProduction && e.TRUST_PROXY === 'true') {
    // every address is a trusted proxy: X-Forwarded-For and X-Forwarded-Proto are whatever the client says
    problems.push(
      `TRUST_PROXY=true trusts every address, so any client can write its own X-Forwarded-For and dodge every per-address limit; it is refused when NODE_ENV=production: ${TRUST_PROXY_FIX}`,
    );
  }
  const features = parseFeatures(e.FEATURES, problems);
  const mailOn = e.EMAIL && features.includes('mail');
  if (isProduction && mailOn && e.SMTP_URL === undefined) {
    problems.push(
      'SMTP_URL is required when NODE_ENV=production and EMAIL=on (the local mail catcher is for development only): set it to your mail provider, e.g. smtp://user:password@smtp.example.com:587, or set EMAIL=off',
    );
  }
  if (isProduction && mailOn && e.MAIL_FROM === undefined) {
    problems.push('MAIL_FROM is required when NODE_ENV=production and EMAIL=on: an address of your domain, e.g. "Cloakroom <no-reply@example.com>"');
  }
  if (e.SESSION_ABSOLUTE_TIMEOUT < e.SESSION_IDLE_TIMEOUT) {
    problems.push('SESSION_ABSOLUTE_TIMEOUT must not be shorter than SESSION_IDLE_TIMEOUT');
  }

  if (e.REMEMBER_ME_ABSOLUTE_TIMEOUT < e.REMEMBER_ME_IDLE_TIMEOUT) {
    problems.push('REMEMBER_ME_ABSOLUTE_TIMEOUT must not be shorter than REMEMBER_ME_IDLE_TIMEOUT');
  }
  const publicUrl = parsePublicUrl(e.PUBLIC_URL, isProduction, e.PORT, problems);

  const usingDevSecret = secrets.length === 0;
  const core: Config = {
    env: e.NODE_ENV,
    isProduction,
    features,
    host: e.HOST,
    port: e.PORT,
    publicUrl,
    logLevel: e.LOG_LEVEL ?? (e.NODE_ENV === 'test' ? 'warn' : 'info'),
    mongodbUri: e.MONGODB_URI,
    db: {
      serverSelectionTimeoutMs: e.DB_SERVER_SELECTION_TIMEOUT_MS,
      responseTimeoutMs: e.DB_RESPONSE_TIMEOUT_MS,
      startupTimeoutMs: e.DB_STARTUP_TIMEOUT,
    },
    localDb: { engine: e.LOCAL_DB_ENGINE, dataDir: e.LOCAL_DB_DIR },
    session: {
      secrets: usingDevSecret ? [DEV_SESSION_SECRET] : secrets,
      usingDevSecret,
      // __Host-: the browser accepts this cookie only if it is Secure, has
      // Path=/ and no Domain, so a subdomain or plain-HTTP page cannot plant it
      cookieName: `${isProduction ? '__Host-' : ''}${e.SESSION_COOKIE_NAME ?? 'cloakroom.sid'}`,
      idleTimeoutMs: e.SESSION_IDLE_TIMEOUT,
      absoluteTimeoutMs: e.SESSION_ABSOLUTE_TIMEOUT,
      // never shorter than a login without the box ticked
      rememberMe: {
        idleTimeoutMs: Math.max(e.REMEMBER_ME_IDLE_TIMEOUT, e.SESSION_IDLE_TIMEOUT),
        absoluteTimeoutMs: Math.max(e.REMEMBER_ME_ABSOLUTE_TIMEOUT, e.SESSION_ABSOLUTE_TIMEOUT),
      },
      reauthWindowMs: e.REAUTH_WINDOW,
      // Secure cookies are only sent over HTTPS: on plain http://localhost the
      // browser would drop them and nobody could stay logged in.
      secureCookie: isProduction,
    },
    expiry: { mode: e.SESSION_EXPIRY_MODE, sweepIntervalMinutes: e.SESSION_SWEEP_INTERVAL_MINUTES },
    passwords: {
      bcryptCost: e.BCRYPT_COST,
      // a container's CPU quota is not visible to Node: set it to the cores the container may use
      hashThreads: e.PASSWORD_HASH_THREADS || os.availableParallelism(),
      pepper: pepper ?? DEV_PASSWORD_PEPPER,
      usingDevPepper: pepper === undefined,
    },
    throttle: {
      maxConsecutiveFailures: e.LOGIN_MAX_CONSECUTIVE_FAILURES,
      lockoutMs: e.LOGIN_LOCKOUT,
      maxFailuresPerIpPerDay: e.LOGIN_MAX_FAILURES_PER_IP_PER_DAY,
      checksAtOncePerIp: e.LOGIN_CHECKS_AT_ONCE_PER_IP,
      registrationsPerIpPerHour: e.REGISTRATIONS_PER_IP_PER_HOUR,
      anonymousSessionsPerIpPerHour: e.ANONYMOUS_SESSIONS_PER_IP_PER_HOUR,
    },
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
    shutdownGraceMs: e.SHUTDOWN_GRACE_SECONDS * 1000,
    demo: { enabled: e.DEMO_MODE, accountTtlMs: e.DEMO_ACCOUNT_TTL },
    securityLog: { retentionMs: e.SECURITY_LOG_RETENTION, maxPerAccount: e.SECURITY_LOG_MAX_PER_ACCOUNT },
    mail: {
      // off with EMAIL=off, or with FEATURES not naming mail
      enabled: mailOn,
      smtpUrl: e.SMTP_URL,
      from: e.MAIL_FROM ?? 'Cloakroom <no-reply@localhost>',
    },
    settings: {},
  };

  // each feature's own variables, read against the core's values (NODE_ENV,
  // PUBLIC_URL), their problems told with the core's
  const settings: Record<string, unknown> = {};
  for (const section of sections) {
    if ((features as readonly string[]).includes(section.name)) settings[section.name] = section.read(env, core, problems);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { ...core, settings };
}
