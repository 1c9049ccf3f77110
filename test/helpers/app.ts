// app: a real Cloakroom server on a free port, built on the same services as server.ts.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Store } from 'express-session';
import type { Connection } from 'mongoose';
import { createApp } from '../../src/app.js';
import type { BcryptFunctions } from '../../src/auth/passwords.js';
import { loadConfig, type Config } from '../../src/config.js';
import { connectDatabase } from '../../src/db/connect.js';
import type { UserModel } from '../../src/models/user.js';
import type { Logger } from '../../src/logger.js';
import type { LoginThrottle } from '../../src/security/throttle.js';
import type { SecurityLog } from '../../src/security-log/store.js';
import { appDeps, openAppServices } from '../../src/app-services.js';
import { enabledFeatures, FEATURE_SETTINGS } from '../../src/features/index.js';
import { openAppMail } from '../../src/mail/app-mail.js';
import { startTracing } from '../../src/lab/trace/start-tracing.js';
import type { MailCatcher } from '../../src/mail/catcher.js';
import type { MongoStore } from 'connect-mongo';
import { after, before } from 'node:test';
import { quietLogger, startTestDatabase, type TestDatabase } from './database.js';

export const TEST_ENV = {
  NODE_ENV: 'test',
  BCRYPT_COST: '10',
  SESSION_SECRET: 'test-secret-for-integration-tests-only',
  // every test client comes from 127.0.0.1: per-IP limits far above what a test file does
  LOGIN_MAX_FAILURES_PER_IP_PER_DAY: '10000',
  REGISTRATIONS_PER_IP_PER_HOUR: '10000',
  ANONYMOUS_SESSIONS_PER_IP_PER_HOUR: '100000',
} as const;

export interface TestApp {
  baseUrl: string;
  config: Config;
  connection: Connection;
  users: UserModel;
  store: MongoStore;
  throttle: LoginThrottle;
  securityLog: SecurityLog;
  /** Makes /readyz report a shutdown in progress, or replaces its database ping. */
  health: { shuttingDown: boolean; pingDatabase: () => Promise<void> };
  /** the local mail catcher the app sends to (undefined with EMAIL=off or SMTP_URL) */
  mail: MailCatcher | undefined;
  /** Resolves when the mail work started so far has finished. */
  mailSettled(): Promise<void>;
  close(): Promise<void>;
}

export async function startTestApp(options: {
  uri: string;
  // for the database-outage tests: how long a request waits for a lost database
  serverSelectionTimeoutMs?: number;
  // command monitoring: called for every command the app sends to MongoDB
  onDatabaseCommand?: (name: string) => void;
  env?: Record<string, string>;
  // lets a test wrap the real store, e.g. to slow it down
  wrapStore?: (store: MongoStore) => Store;
  // lets a test wrap the password-hashing threads, e.g. to count the checks
  wrapPasswordHashing?: (hashing: BcryptFunctions) => BcryptFunctions;
  logger?: Logger;
  // the local mail catcher accepts each message this late, like a slow provider
  mailDelayMs?: number;
}): Promise<TestApp> {
  const logger = options.logger ?? quietLogger;
  const config = loadConfig({ ...TEST_ENV, ...options.env, MONGODB_URI: options.uri }, FEATURE_SETTINGS);
  const connection = await connectDatabase(options.uri, {
    serverSelectionTimeoutMs: options.serverSelectionTimeoutMs ?? config.db.serverSelectionTimeoutMs,
    responseTimeoutMs: config.db.responseTimeoutMs,
    onCommand: options.onDatabaseCommand,
    // the lab's trace page, as server.ts has it: outside production only
    monitorCommands: !config.isProduction,
  });
  const services = await openAppServices(connection, config, logger, enabledFeatures(config));
  const trace = config.isProduction ? undefined : startTracing(connection.getClient());
  const { users, store, throttle, passwordHashing, pingDatabase, securityLog } = services;
  const health = { shuttingDown: false, pingDatabase, isShuttingDown: () => health.shuttingDown };
  const mail = config.mail.enabled ? await openAppMail(config, logger, { delayMs: options.mailDelayMs }) : undefined;
  const app = createApp(
    appDeps(services, {
      config,
      logger,
      health,
      mail: mail?.mail,
      trace,
      sessionStore: options.wrapStore ? options.wrapStore(store) : store,
      passwordHashing: options.wrapPasswordHashing ? options.wrapPasswordHashing(passwordHashing) : passwordHashing,
    }),
  );
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    config,
    connection,
    users,
    store,
    throttle,
    securityLog,
    health,
    mail: mail?.catcher,
    mailSettled: async () => mail?.mail.outbox.drained(),
    async close() {
      await mail?.close();
      await services.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await connection.close();
    },
  };
}

/** What production requires, for tests of production behaviour (behind a TLS proxy on loopback). */
export const PRODUCTION_TEST_ENV = {
  NODE_ENV: 'production',
  SESSION_SECRET: 's'.repeat(40),
  PASSWORD_PEPPER: 'p'.repeat(40),
  TWO_FACTOR_KEY: 'k'.repeat(40),
  BCRYPT_COST: '12',
  TRUST_PROXY: 'loopback',
  PUBLIC_URL: 'https://cloakroom.test',
  // mail on, as production has it, through an SMTP server these tests never reach
  SMTP_URL: 'smtp://127.0.0.1:9',
  MAIL_FROM: 'Cloakroom <no-reply@example.test>',
} as const;

/**
 * A fresh database and an app on it for the test file (or describe block)
 * that calls this, started before its tests and stopped after them.
 * `setUp` runs on the started app before the tests, e.g. to register an
 * account they share (Node 20 runs a file's top-level before() hooks side by
 * side, so a hook of the file's own may not find the app started yet).
 */
export function useTestApp(
  options: Omit<Parameters<typeof startTestApp>[0], 'uri'> & { setUp?: (app: TestApp) => Promise<void> } = {},
): {
  readonly app: TestApp;
} {
  const { setUp, ...appOptions } = options;
  let db: TestDatabase | undefined;
  let app: TestApp | undefined;
  before(async () => {
    db = await startTestDatabase();
    app = await startTestApp({ ...appOptions, uri: db.freshUri() });
    await setUp?.(app);
  });
  after(async () => {
    await app?.close();
    await db?.stop();
  });
  return {
    get app() {
      if (!app) throw new Error('the test app is not started yet (use it inside tests)');
      return app;
    },
  };
}
