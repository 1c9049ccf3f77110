// hourly limit: a count per key per hour in MongoDB, for the mail limits
// (the mail feature's: "forgot password" in features/mail/reset-throttle.ts,
// address confirmations in verification-throttle.ts), in the same collection as the login limits
// (throttle.ts creates it and its expiry).
import type { MongoClient } from 'mongodb';
import { RateLimiterMongo, RateLimiterRes } from 'rate-limiter-flexible';
import { RATE_LIMITS_COLLECTION } from './throttle.js';

const HOUR_S = 60 * 60;

export interface HourlyCount {
  /** past the limit with this one */
  over: boolean;
  /** until the oldest point of the hour goes */
  msBeforeNext: number;
}

export interface HourlyLimit {
  /** Adds a point for this key (one atomic $inc) and says whether that went past the limit. */
  count(key: string): Promise<HourlyCount>;
}

export function hourlyLimit(client: MongoClient, dbName: string, keyPrefix: string, points: number): HourlyLimit {
  const limiter = new RateLimiterMongo({
    storeClient: client,
    dbName,
    tableName: RATE_LIMITS_COLLECTION,
    disableIndexesCreation: true,
    keyPrefix,
    points,
    duration: HOUR_S,
  });
  return {
    async count(key) {
      let res: RateLimiterRes;
      try {
        res = await limiter.consume(key);
      } catch (err) {
        // consume() rejects with the count once it is past the limit
        if (!(err instanceof RateLimiterRes)) throw err;
        res = err;
      }
      return { over: res.consumedPoints > points, msBeforeNext: res.msBeforeNext };
    },
  };
}

/** Seconds until a refused request may try again: at least one. */
export function retryAfterSeconds(...refused: HourlyCount[]): number {
  return Math.max(1, Math.ceil(Math.max(...refused.map((c) => c.msBeforeNext)) / 1000));
}
