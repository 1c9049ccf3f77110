// app services: everything createApp() needs besides its configuration, ready
// before the first request: what lives in MongoDB (on one open connection) and
// the password-hashing threads. server.ts and the tests build the app on these.
import type { Connection } from 'mongoose';
import { createBcryptPool, type BcryptPool } from './auth/bcrypt-pool.js';
import type { AppDeps } from './app.js';
import type { Config } from './config.js';
import { labDatabase, type LabDatabase } from './lab/lab-database.js';
import type { Logger } from './logger.js';
import type { Feature, FeatureModule } from './feature.js';
import { openKnownBrowsers, type KnownBrowsers } from './security/known-browser.js';
import { createUserModel, type UserModel } from './models/user.js';
import { createMongoThrottle, type LoginThrottle } from './security/throttle.js';
import { createSecurityLog, ensureSecurityLogIndexes, SECURITY_EVENTS_COLLECTION, type SecurityLog } from './security-log/store.js';
import type { RaceSafeMongoStore } from './session/race-safe-store.js';
import { sessionRevocation, type SessionRevocation } from './session/revocation.js';
import { createSessionStore } from './session/store.js';
import { userSessions, type UserSessions } from './session/user-sessions.js';

export interface AppServices {
  users: UserModel;
  /** the features FEATURES turned on, opened (src/feature.ts) */
  features: Feature[];
  store: RaceSafeMongoStore;
  revocation: SessionRevocation;
  throttle: LoginThrottle;
  userSessions: UserSessions;
  /** browsers that have signed in to an account before (security/known-browser.ts) */
  knownBrowsers: KnownBrowsers;
  passwordHashing: BcryptPool;
  /** what happened to each account, for its owner (/account/activity) */
  securityLog: SecurityLog;
  /** the lab's collections, outside production only */
  lab: LabDatabase | undefined;
  /** Resolves when the database answers a ping (readiness). */
  pingDatabase: () => Promise<void>;
  /** Stops the timers and threads (the connection is the caller's to close). */
  stop(): Promise<void>;
}

/**
 * `featureModules`: the features to open (features/index.ts picks them from
 * FEATURES). They are handed in, never imported: the core knows a feature
 * only by its contract (src/feature.ts).
 */
export async function openAppServices(connection: Connection, config: Config, logger: Logger, featureModules: FeatureModule[]): Promise<AppServices> {
  const client = connection.getClient();
  const users = createUserModel(connection);
  // indexes exist before the first request: the unique username index is what
  // makes "taken" reliable when two people register the same name at once
  await users.createIndexes();
  // each feature's collections, indexes and timers, on the same connection
  const db = client.db(connection.name);
  const features: Feature[] = [];
  for (const feature of featureModules) features.push(await feature.open({ config, connection, db, users, logger }));
  // browsers by account, one record per pair; links by their hash; both expire
  const known = await openKnownBrowsers(client.db(connection.name), config, logger);
  // the security log: one account's events newest first, gone after SECURITY_LOG_RETENTION
  const securityEvents = client.db(connection.name).collection(SECURITY_EVENTS_COLLECTION);
  const stopSecurityLogSweep = await ensureSecurityLogIndexes(securityEvents, config, logger);
  // what the features' sessions may have asked for on the account goes with them
  const revocation = sessionRevocation(users, features.flatMap((feature) => feature.clearedWithSessions ?? []));
  const { store } = await createSessionStore(client, connection.name, config, logger, (session) => revocation.mayStand(session));
  const { throttle } = await createMongoThrottle(client, connection.name, config, logger);
  const passwordHashing = createBcryptPool({ threads: config.passwords.hashThreads });
  return {
    users,
    features,
    store,
    revocation,
    throttle,
    userSessions: userSessions(client, connection.name, revocation),
    knownBrowsers: known.knownBrowsers,
    passwordHashing,
    securityLog: createSecurityLog(securityEvents, { maxPerAccount: config.securityLog.maxPerAccount }),
    lab: config.isProduction ? undefined : labDatabase(client, connection.name),
    pingDatabase: async () => {
      await client.db(connection.name).command({ ping: 1 });
    },
    async stop() {
      throttle.stop();
      for (const feature of features) await feature.stop?.();
      known.stop();
      stopSecurityLogSweep();
      await passwordHashing.close();
    },
  };
}

/**
 * createApp's dependencies from the services: what server.ts and the tests
 * both build the app on, so that a service added here reaches both. The
 * tests may hand in their own session store or hashing (slowed, counted).
 */
export function appDeps(
  services: AppServices,
  rest: Pick<AppDeps, 'config' | 'logger' | 'health' | 'mail' | 'trace'> & Partial<Pick<AppDeps, 'sessionStore' | 'passwordHashing'>>,
): AppDeps {
  const { users, features, store, throttle, userSessions, knownBrowsers, securityLog, passwordHashing, lab } = services;
  return { users, features, sessionStore: store, throttle, userSessions, knownBrowsers, securityLog, passwordHashing, lab, ...rest };
}
