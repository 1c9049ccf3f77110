// throttle: slows password guessing down (OWASP Authentication cheat sheet,
// ASVS V6.3). Counters live in MongoDB through rate-limiter-flexible, so every
// app instance sees the same counts and a restart forgets nothing.
//
// - consecutive failures for one username from one address: locked for
//   LOGIN_LOCKOUT after LOGIN_MAX_CONSECUTIVE_FAILURES; a success resets it.
//   Keyed by username *and* address so that an attacker cannot lock a victim
//   out from everywhere by failing on purpose;
// - failures per address per day: past LOGIN_MAX_FAILURES_PER_IP_PER_DAY,
//   each username gets only one failure from that address per lockout. The
//   address is slowed down, not shut out: an office or a school behind one
//   address can hold an attacker, and its users who type the right password
//   still get in (the first tenth counted in memory: see splitCounter);
// - logins in progress at once per address (in this process): past
//   LOGIN_CHECKS_AT_ONCE_PER_IP, refused at once, so that one address cannot
//   fill the hashing queue and make everyone else wait;
// - wrong second-factor codes per account, from every address together:
//   past SECOND_FACTOR_FAILURES_PER_ACCOUNT in an hour, the account's code
//   step is closed for the rest of the hour. The password form keys by
//   address so that an attacker cannot lock a victim out; whoever reaches the
//   code step knows the password already, and an account-wide limit is what
//   stops them guessing codes from thousands of addresses (NIST SP 800-63B
//   5.2.2). Only a complete login resets it;
// - registrations per address per hour: stops account farming;
// - new anonymous sessions per address per hour: the login and register
//   forms store a session for their CSRF token, and these stop one address
//   filling the sessions collection (the first tenth counted in memory, so
//   that opening the form costs no counter write: see splitCounter).
//
// A login attempt is counted *before* its password is checked, with an atomic
// $inc (consume), and given back when it turns out right or was never
// checked. Checking first and counting afterwards would let a burst of
// parallel guesses all pass the check before any of them is counted.
//
// IPv6 addresses count by their /64 (see client-address.ts).
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
// a password check takes a fraction of a second: by then a slot is free again
const BUSY_RETRY_AFTER_S = 1;

export type ThrottleVerdict = { blocked: false } | { blocked: true; retryAfterSeconds: number };

/**
 * A login attempt, counted as a failure until it says otherwise. Exactly one
 * of succeeded(), failed() and abandoned() must follow.
 */
export type LoginAttempt =
  | {
      blocked: true;
      // locked: too many failures for this username from this address;
      // busy: too many passwords being checked for this address right now
      reason: 'locked' | 'busy';
      retryAfterSeconds: number;
    }
  | {
      blocked: false;
      /** The password was right: the failures in a row start again from zero. */
      succeeded(): Promise<void>;
      /** The password was wrong (or the user unknown); says whether this failure locked the pair out. */
      failed(): Promise<{ lockedOut: boolean }>;
      /** No password was checked (the hashing queue was full, the database failed): the attempt is given back. */
      abandoned(): Promise<void>;
      /**
       * The password was right, but a second factor is still to come: the
       * attempt is given back, and the failures in a row are *not* reset. Only
       * a complete login resets them; otherwise typing the right password
       * again would buy another round of guesses at the code.
       */
      passwordOnly(): Promise<void>;
      /** Runs the password check; if it throws, no password was checked: abandoned(), and the error goes on. */
      checking<T>(check: () => Promise<T>): Promise<T>;
    };

/**
 * Wrong codes an account's second step may take in an hour, from all
 * addresses together: about 240 guesses a day at most, where each wins with
 * a chance of about 3 in a million (a code and the one either side).
 */
export const SECOND_FACTOR_FAILURES_PER_ACCOUNT = 10;
/** ...counted from the first of them: past the limit, the code step is closed until this has passed. */
export const SECOND_FACTOR_FAILURES_WINDOW_MS = HOUR_S * 1000;

/** A code attempt, counted against the account before it is checked. One of failed(), succeeded(), abandoned() follows. */
export type SecondFactorAttempt =
  | { blocked: true; retryAfterSeconds: number }
  | {
      blocked: false;
      /** The code was wrong: the account's count of wrong codes, and whether this one reached the limit. */
      failed(): Promise<{ failures: number; limitReached: boolean }>;
      /** A complete login: the count starts again from zero. */
      succeeded(): Promise<void>;
      /** No code was checked: the attempt is given back. */
      abandoned(): Promise<void>;
    };

export interface LoginThrottle {
  /** Counts an attempt to log in (or re-authenticate) before its password is checked. */
  beginAttempt(ip: string, usernameKey: string): Promise<LoginAttempt>;
  /** Counts a second-factor code against its account (every address together), before it is checked. */
  beginSecondFactorAttempt(userId: string): Promise<SecondFactorAttempt>;
  /** Counts a registration attempt from this address, refusing it past the hourly limit. */
  consumeRegistration(ip: string): Promise<ThrottleVerdict>;
  /** Counts a new session stored for an anonymous form page, refusing it past the hourly limit. */
  consumeAnonymousSession(ip: string): Promise<ThrottleVerdict>;
  stop(): void;
}

function retryAfter(res: RateLimiterRes): number {
  return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
}

function pairKey(address: string, usernameKey: string): string {
  return `${usernameKey}_${address}`;
}

/** Adds a point and returns the count, whether or not it is past the limit. */
async function count(limiter: RateLimiterAbstract, key: string): Promise<RateLimiterRes> {
  try {
    return await limiter.consume(key);
  } catch (err) {
    // consume() rejects with a RateLimiterRes past the limit, and with an
    // Error when the database fails: that one must not be swallowed
    if (err instanceof RateLimiterRes) return err;
    throw err;
  }
}

/**
 * Takes back a point. reward() on a counter that was reset or expired in the
 * meantime would leave it below zero, a free attempt for later: such a
 * counter is removed instead.
 */
async function giveBack(limiter: RateLimiterAbstract, key: string): Promise<void> {
  const res = await limiter.reward(key);
  if (res.consumedPoints < 0) await limiter.delete(key);
}

/** A limit that simply refuses once it is reached. */
async function verdict(limiter: RateLimiterAbstract, key: string): Promise<ThrottleVerdict> {
  const res = await count(limiter, key);
  return res.consumedPoints > limiter.points ? { blocked: true, retryAfterSeconds: retryAfter(res) } : { blocked: false };
}

type LimiterFactory = (options: IRateLimiterOptions) => RateLimiterAbstract;

/** A point counted by splitCounter: past the limit or not, and how to take it back. */
interface SplitCount {
  over: boolean;
  res: RateLimiterRes;
  giveBack(): Promise<void>;
}

/**
 * A per-address limit whose first tenth is counted in this process's memory,
 * and only the points past it in MongoDB, against the rest of the limit. An
 * address that stays well below its limit (a visitor opening the login form,
 * a user mistyping a password now and then) then costs no counter write:
 * a login's two commands, a form view's one. Memory is counted synchronously
 * and the database with an atomic $inc, so a burst of parallel requests
 * cannot slip past either count: one process stops an address exactly at
 * the limit, and N processes (or restarts) at most (N - 1) tenths later.
 * Still a bound on what one address can do, which is the point. Below 10
 * the whole limit is in MongoDB, exact as before.
 */
function splitCounter(make: LimiterFactory, options: { keyPrefix: string; points: number; duration: number }) {
  const here = Math.floor(options.points / 10);
  const memory = here > 0 ? new RateLimiterMemory({ keyPrefix: `${options.keyPrefix}_here`, points: here, duration: options.duration }) : undefined;
  const shared = make({ ...options, points: options.points - here });
  return {
    async count(key: string): Promise<SplitCount> {
      if (memory) {
        const res = await count(memory, key);
        if (res.consumedPoints <= here) return { over: false, res, giveBack: () => giveBack(memory, key) };
        // this process's tenth is spent: the point goes to the shared count
        await memory.reward(key);
      }
      const res = await count(shared, key);
      return { over: res.consumedPoints > shared.points, res, giveBack: () => giveBack(shared, key) };
    },
  };
}

/** Login attempts in progress in this process, per address, up to a maximum. */
function attemptsInProgress(max: number) {
  const running = new Map<string, number>();
  return {
    take(address: string): boolean {
      const now = running.get(address) ?? 0;
      if (now >= max) return false;
      running.set(address, now + 1);
      return true;
    },
    release(address: string): void {
      const now = running.get(address) ?? 0;
      if (now <= 1) running.delete(address);
      else running.set(address, now - 1);
    },
  };
}

function once(run: () => void): () => void {
  let done = false;
  return () => {
    if (!done) run();
    done = true;
  };
}

function buildThrottle(limits: Config['throttle'], make: LimiterFactory, logger: Logger, stop: () => void): LoginThrottle {
  const consecutive = make({
    keyPrefix: 'login_fail_user_ip',
    points: limits.maxConsecutiveFailures,
    // the count of consecutive failures is forgotten a day after the first one
    duration: DAY_S,
  });
  const lockoutSeconds = Math.ceil(limits.lockoutMs / 1000);
  const perAddress = splitCounter(make, {
    keyPrefix: 'login_fail_ip_day',
    points: limits.maxFailuresPerIpPerDay,
    duration: DAY_S,
  });
  const secondFactorFailures = make({
    keyPrefix: 'login_2fa_fail_user',
    points: SECOND_FACTOR_FAILURES_PER_ACCOUNT,
    duration: SECOND_FACTOR_FAILURES_WINDOW_MS / 1000,
  });
  const registrations = make({
    keyPrefix: 'register_ip_hour',
    points: limits.registrationsPerIpPerHour,
    duration: HOUR_S,
  });
  // new anonymous sessions: the login form's page view costs its one insert
  // (the session), not a counter $inc besides
  const anonymousSessions = splitCounter(make, {
    keyPrefix: 'anon_session_ip_hour',
    points: limits.anonymousSessionsPerIpPerHour,
    duration: HOUR_S,
  });
  const inProgress = attemptsInProgress(limits.checksAtOncePerIp);

  /** Refuses a pair that is past what it may try; it is locked for LOGIN_LOCKOUT, never longer. */
  async function locked(pair: string, res: RateLimiterRes): Promise<LoginAttempt> {
    if (res.msBeforeNext > limits.lockoutMs) {
      // past its limit but not locked yet: the failure that reached the limit
      // is still being checked, or the address just went over its daily limit
      await consecutive.block(pair, lockoutSeconds);
      return { blocked: true, reason: 'locked', retryAfterSeconds: lockoutSeconds };
    }
    return { blocked: true, reason: 'locked', retryAfterSeconds: retryAfter(res) };
  }

  return {
    async beginAttempt(ip, usernameKey) {
      const address = addressKey(ip);
      // taken before MongoDB is asked, and held until the attempt is settled:
      // a flood from one address is refused here, before it costs a write or a hash
      if (!inProgress.take(address)) return { blocked: true, reason: 'busy', retryAfterSeconds: BUSY_RETRY_AFTER_S };
      const release = once(() => inProgress.release(address));
      const settle = async <T>(record: () => Promise<T>): Promise<T> => {
        try {
          return await record();
        } finally {
          release();
        }
      };

      const pair = pairKey(address, usernameKey);
      let tries, failuresHere: SplitCount;
      try {
        [tries, failuresHere] = await Promise.all([count(consecutive, pair), perAddress.count(address)]);
      } catch (err) {
        release();
        throw err;
      }
      // an address past its daily limit gets one failure per username, not ten
      const allowed = failuresHere.over ? 1 : limits.maxConsecutiveFailures;
      if (tries.consumedPoints > allowed) {
        return settle(async () => {
          // refused without a check: not a failure of this address
          await failuresHere.giveBack();
          return locked(pair, tries);
        });
      }

      const abandoned = () =>
        settle(async () => {
          try {
            await Promise.all([giveBack(consecutive, pair), failuresHere.giveBack()]);
          } catch (err) {
            // the attempt then stays counted: the safe side
            logger.warn({ err }, 'could not give back an unchecked login attempt');
          }
        });
      return {
        blocked: false,
        succeeded: () =>
          settle(async () => {
            await Promise.all([consecutive.delete(pair), failuresHere.giveBack()]);
          }),
        failed: () =>
          settle(async () => {
            if (tries.consumedPoints < allowed) return { lockedOut: false };
            // the last failure allowed: lock the pair for LOGIN_LOCKOUT from now
            await consecutive.block(pair, lockoutSeconds);
            return { lockedOut: true };
          }),
        abandoned,
        passwordOnly: () =>
          settle(async () => {
            await Promise.all([giveBack(consecutive, pair), failuresHere.giveBack()]);
          }),
        async checking(check) {
          try {
            return await check();
          } catch (err) {
            await abandoned();
            throw err;
          }
        },
      };
    },

    async beginSecondFactorAttempt(userId) {
      // counted first, with an atomic $inc: a burst of codes from many
      // addresses cannot all be checked before the first is counted
      const failures = await count(secondFactorFailures, userId);
      if (failures.consumedPoints > SECOND_FACTOR_FAILURES_PER_ACCOUNT) {
        // refused without a check: not a failure
        await giveBack(secondFactorFailures, userId);
        return { blocked: true, retryAfterSeconds: retryAfter(failures) };
      }
      return {
        blocked: false,
        // the failure stays counted; exactly one request sees the count reach the limit ($inc is atomic)
        failed: () => Promise.resolve({ failures: failures.consumedPoints, limitReached: failures.consumedPoints === SECOND_FACTOR_FAILURES_PER_ACCOUNT }),
        succeeded: async () => {
          await secondFactorFailures.delete(userId);
        },
        abandoned: async () => {
          try {
            await giveBack(secondFactorFailures, userId);
          } catch (err) {
            // the attempt then stays counted: the safe side
            logger.warn({ err }, 'could not give back an unchecked second-factor attempt');
          }
        },
      };
    },

    consumeRegistration: (ip) => verdict(registrations, addressKey(ip)),
    async consumeAnonymousSession(ip) {
      const session = await anonymousSessions.count(addressKey(ip));
      return session.over ? { blocked: true, retryAfterSeconds: retryAfter(session.res) } : { blocked: false };
    },
    stop,
  };
}

/** Counters in MongoDB: shared by every instance of the app. */
export async function createMongoThrottle(
  client: MongoClient,
  dbName: string,
  config: Pick<Config, 'throttle' | 'expiry'>,
  logger: Logger,
): Promise<{ throttle: LoginThrottle; expiryMode: ActiveExpiryMode }> {
  const collection = client.db(dbName).collection(RATE_LIMITS_COLLECTION);
  // the limiter looks counters up by key; unique, so two instances cannot each create one
  await collection.createIndex({ key: 1 }, { unique: true, name: 'key_unique' });
  const expiryMode = await ensureExpiryIndex(collection, 'expire', config.expiry.mode, logger);
  const stop =
    expiryMode === 'sweep'
      ? startSweep(collection, 'expire', config.expiry.sweepIntervalMinutes * 60_000, logger)
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
    logger,
    stop,
  );
  return { throttle, expiryMode };
}

/** Counters in this process's memory: for tests and benchmarks without a database. */
export function createMemoryThrottle(limits: Config['throttle'], logger: Logger): LoginThrottle {
  return buildThrottle(limits, (options) => new RateLimiterMemory(options), logger, () => undefined);
}
