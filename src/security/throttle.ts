// throttle: slows password guessing down (OWASP Authentication cheat sheet,
// ASVS V6.3). Counters live in MongoDB through rate-limiter-flexible, so every
// app instance sees the same counts and a restart forgets nothing.
//
// - consecutive failures for one username from one IP: blocked for
//   LOGIN_LOCKOUT after LOGIN_MAX_CONSECUTIVE_FAILURES; a success resets it.
//   Keyed by username *and* IP so that an attacker cannot lock a victim out
//   from everywhere by failing on purpose;
// - failures per IP per day: stops one address trying many usernames;
// - registrations per IP per hour: stops account farming.
//
// An IPv6 client counts by its /64 (see client-address.ts).
import type { MongoClient } from 'mongodb';
import {
  RateLimiterMemory,
  RateLimiterMongo,
  RateLimiterRes,
  type RateLimiterAbstract,
  type IRateLimiterOptions,
} from 'rate-limiter-flexible';
import type { Config } from '../config.js';
import { ensureExpiryIndex, startSweep, type ActiveExpiryMode } from '../db/expiry.js';
import type { Logger } from '../logger.js';
import { addressKey } from './client-address.js';

export const RATE_LIMITS_COLLECTION = 'rate_limits';

const DAY_S = 24 * 60 * 60;
const HOUR_S = 60 * 60;

export type ThrottleVerdict = { blocked: false } | { blocked: true; retryAfterSeconds: number };

export interface LoginThrottle {
  /** Before the password is checked: may this username be tried from this IP? */
  checkLogin(ip: string, usernameKey: string): Promise<ThrottleVerdict>;
  /** After a wrong password or unknown user; says whether this failure locked the pair out. */
  recordFailure(ip: string, usernameKey: string): Promise<{ lockedOut: boolean }>;
  recordSuccess(ip: string, usernameKey: string): Promise<void>;
  /** Counts a registration attempt from this IP, refusing it past the hourly limit. */
  consumeRegistration(ip: string): Promise<ThrottleVerdict>;
  stop(): void;
}

function retryAfter(res: RateLimiterRes | null): number {
  return Math.max(1, Math.ceil((res?.msBeforeNext ?? 1000) / 1000));
}

function pairKey(ip: string, usernameKey: string): string {
  return `${usernameKey}_${addressKey(ip)}`;
}

type LimiterFactory = (options: IRateLimiterOptions) => RateLimiterAbstract;

function buildThrottle(limits: Config['throttle'], make: LimiterFactory, stop: () => void): LoginThrottle {
  const consecutive = make({
    keyPrefix: 'login_fail_user_ip',
    points: limits.maxConsecutiveFailures,
    // the count of consecutive failures is forgotten a day after the first one
    duration: DAY_S,
  });
  const lockoutSeconds = Math.ceil(limits.lockoutMs / 1000);
  const perIp = make({
    keyPrefix: 'login_fail_ip_day',
    points: limits.maxFailuresPerIpPerDay,
    duration: DAY_S,
  });
  const registrations = make({
    keyPrefix: 'register_ip_hour',
    points: limits.registrationsPerIpPerHour,
    duration: HOUR_S,
  });

  return {
    async checkLogin(ip, usernameKey) {
      const [pair, address] = await Promise.all([consecutive.get(pairKey(ip, usernameKey)), perIp.get(addressKey(ip))]);
      if (pair && pair.consumedPoints >= limits.maxConsecutiveFailures) {
        return { blocked: true, retryAfterSeconds: retryAfter(pair) };
      }
      if (address && address.consumedPoints >= limits.maxFailuresPerIpPerDay) {
        return { blocked: true, retryAfterSeconds: retryAfter(address) };
      }
      return { blocked: false };
    },

    async recordFailure(ip, usernameKey) {
      const outcomes = await Promise.allSettled([consecutive.consume(pairKey(ip, usernameKey)), perIp.consume(addressKey(ip))]);
      let lockedOut = false;
      for (const outcome of outcomes) {
        // consume() rejects with a RateLimiterRes once the limit is passed, and
        // with an Error when the database fails: that one must not be swallowed
        if (outcome.status === 'rejected') {
          if (!(outcome.reason instanceof RateLimiterRes)) throw outcome.reason;
          lockedOut = true;
        }
      }
      const [pair] = outcomes;
      if (pair.status === 'fulfilled' && pair.value.consumedPoints >= limits.maxConsecutiveFailures) {
        // the last allowed failure: lock the pair for LOGIN_LOCKOUT from now
        await consecutive.block(pairKey(ip, usernameKey), lockoutSeconds);
        lockedOut = true;
      }
      return { lockedOut };
    },

    async recordSuccess(ip, usernameKey) {
      await consecutive.delete(pairKey(ip, usernameKey));
    },

    async consumeRegistration(ip) {
      try {
        await registrations.consume(addressKey(ip));
        return { blocked: false };
      } catch (err) {
        if (err instanceof RateLimiterRes) return { blocked: true, retryAfterSeconds: retryAfter(err) };
        throw err;
      }
    },

    stop,
  };
}

/** Counters in MongoDB: shared by every instance of the app. */
export async function createMongoThrottle(
  client: MongoClient,
  dbName: string,
  config: Pick<Config, 'throttle' | 'session'>,
  logger: Logger,
): Promise<{ throttle: LoginThrottle; expiryMode: ActiveExpiryMode }> {
  const collection = client.db(dbName).collection(RATE_LIMITS_COLLECTION);
  // the limiter looks counters up by key; unique, so two instances cannot each create one
  await collection.createIndex({ key: 1 }, { unique: true, name: 'key_unique' });
  const expiryMode = await ensureExpiryIndex(collection, 'expire', config.session.expiryMode, logger);
  const stop =
    expiryMode === 'sweep'
      ? startSweep(collection, 'expire', config.session.sweepIntervalMinutes * 60_000, logger)
      : () => undefined;
  const throttle = buildThrottle(
    config.throttle,
    (options) =>
      new RateLimiterMongo({
        ...options,
        storeClient: client,
        dbName,
        tableName: RATE_LIMITS_COLLECTION,
        // created above, in a way that also works without TTL indexes
        disableIndexesCreation: true,
      }),
    stop,
  );
  return { throttle, expiryMode };
}

/** Counters in this process's memory: for tests and benchmarks without a database. */
export function createMemoryThrottle(limits: Config['throttle']): LoginThrottle {
  return buildThrottle(limits, (options) => new RateLimiterMemory(options), () => undefined);
}
