// app: a real Cloakroom server on a free port, built the way server.ts builds it.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Store } from 'express-session';
import type { Connection } from 'mongoose';
import { createApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { connectDatabase } from '../../src/db/connect.js';
import { createUserModel, type UserModel } from '../../src/models/user.js';
import type { Logger } from '../../src/logger.js';
import { createMongoThrottle, type LoginThrottle } from '../../src/security/throttle.js';
import { createSessionStore } from '../../src/session/store.js';
import { userSessions } from '../../src/session/user-sessions.js';
import type { MongoStore } from 'connect-mongo';
import { quietLogger } from './database.js';

export const TEST_ENV = {
  NODE_ENV: 'test',
  BCRYPT_COST: '10',
  SESSION_SECRET: 'test-secret-for-integration-tests-only',
  // every test client comes from 127.0.0.1: per-IP limits far above what a test file does
  LOGIN_MAX_FAILURES_PER_IP_PER_DAY: '10000',
  REGISTRATIONS_PER_IP_PER_HOUR: '10000',
} as const;

export interface TestApp {
  baseUrl: string;
  config: Config;
  connection: Connection;
  users: UserModel;
  store: MongoStore;
  throttle: LoginThrottle;
  /** Makes /readyz report a shutdown in progress. */
  health: { shuttingDown: boolean };
  close(): Promise<void>;
}

export async function startTestApp(options: {
  uri: string;
  // for the database-outage tests: how long a request waits for a lost database
  serverSelectionTimeoutMs?: number;
  env?: Record<string, string>;
  // lets a test wrap the real store, e.g. to slow it down
  wrapStore?: (store: MongoStore) => Store;
  logger?: Logger;
}): Promise<TestApp> {
  const logger = options.logger ?? quietLogger;
  const config = loadConfig({ ...TEST_ENV, ...options.env, MONGODB_URI: options.uri });
  const connection = await connectDatabase(options.uri, {
    serverSelectionTimeoutMs: options.serverSelectionTimeoutMs ?? 5000,
  });
  const users = createUserModel(connection);
  await users.createIndexes();
  const { store } = await createSessionStore(connection.getClient(), connection.name, config.session, logger);
  const { throttle } = await createMongoThrottle(connection.getClient(), connection.name, config, logger);
  const health = {
    shuttingDown: false,
    pingDatabase: async () => {
      await connection.getClient().db(connection.name).command({ ping: 1 });
    },
    isShuttingDown: () => health.shuttingDown,
  };
  const app = createApp({
    config,
    users,
    sessionStore: options.wrapStore ? options.wrapStore(store) : store,
    throttle,
    sessions: userSessions(connection.getClient(), connection.name),
    health,
    logger,
  });
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
    health,
    async close() {
      throttle.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await connection.close();
    },
  };
}
