// reset throttle: how often "forgot password" may be asked (OWASP Forgot
// Password cheat sheet: limit it, or anyone can flood a victim's inbox and
// our mail server's reputation). Counters live in MongoDB, in the same
// collection as the login limits (throttle.ts creates it and its expiry).
//
// - requests per address per hour: the page says "too many" past it, for
//   every name alike, so the refusal tells nothing about which accounts exist;
// - reset mails per account per hour: counted in the background, after the
//   page has answered (mail/outbox.ts); past it no mail is sent, silently,
//   since saying so would tell that the account exists.
import type { MongoClient } from 'mongodb';
import { RateLimiterMongo, RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from '../config.js';
import { addressKey } from './client-address.js';
import { RATE_LIMITS_COLLECTION, type ThrottleVerdict } from './throttle.js';

const HOUR_S = 60 * 60;

export interface ResetThrottle {
  /** Counts a "forgot password" request from this address, refusing it past the hourly limit. */
  consumeRequest(ip: string): Promise<ThrottleVerdict>;
  /** Counts a reset mail to this account; false past the hourly limit (send nothing). */
  mayMailAccount(userId: string): Promise<boolean>;
}

export function createResetThrottle(client: MongoClient, dbName: string, limits: Config['mail']): ResetThrottle {
  const make = (keyPrefix: string, points: number) =>
    new RateLimiterMongo({ storeClient: client, dbName, tableName: RATE_LIMITS_COLLECTION, disableIndexesCreation: true, keyPrefix, points, duration: HOUR_S });
  const requests = make('reset_request_ip_hour', limits.resetRequestsPerIpPerHour);
  const mails = make('reset_mail_account_hour', limits.resetMailsPerAccountPerHour);

  /** Adds a point and returns the count; consume() rejects with the count past the limit. */
  const count = async (limiter: RateLimiterMongo, key: string) => {
    try {
      return await limiter.consume(key);
    } catch (err) {
      if (err instanceof RateLimiterRes) return err;
      throw err;
    }
  };
  return {
    async consumeRequest(ip) {
      const res = await count(requests, addressKey(ip));
      return res.consumedPoints > requests.points
        ? { blocked: true, retryAfterSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)) }
        : { blocked: false };
    },
    async mayMailAccount(userId) {
      return (await count(mails, userId)).consumedPoints <= mails.points;
    },
  };
}
