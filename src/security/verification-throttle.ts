// verification throttle: how many address-confirmation mails may go out (the
// account page and registration, routes/account-email.ts). Each one goes to
// an address the visitor typed, so without a limit one account could post
// the form in a loop and flood any mailbox, or our mail server's
// reputation. The same pattern as "forgot password" (reset-throttle.ts), in
// the same collection:
//
// - mails per account per hour;
// - mails per recipient address per hour (its key), whichever account asks.
//
// Both are counted for every mail, before it is sent; past either limit
// nothing is sent and the page says "too many".
import type { MongoClient } from 'mongodb';
import { RateLimiterMongo, RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from '../config.js';
import { RATE_LIMITS_COLLECTION, type ThrottleVerdict } from './throttle.js';

const HOUR_S = 60 * 60;

export interface VerificationThrottle {
  /** Counts a verification mail from this account to this address (its emailKey); blocked past either hourly limit. */
  consumeMail(userId: string, addressKey: string): Promise<ThrottleVerdict>;
}

type Limits = Pick<Config['mail'], 'verificationMailsPerAccountPerHour' | 'verificationMailsPerAddressPerHour'>;

export function createVerificationThrottle(client: MongoClient, dbName: string, limits: Limits): VerificationThrottle {
  const make = (keyPrefix: string, points: number) =>
    new RateLimiterMongo({ storeClient: client, dbName, tableName: RATE_LIMITS_COLLECTION, disableIndexesCreation: true, keyPrefix, points, duration: HOUR_S });
  const perAccount = make('verify_mail_account_hour', limits.verificationMailsPerAccountPerHour);
  const perAddress = make('verify_mail_address_hour', limits.verificationMailsPerAddressPerHour);

  /** Adds a point (one atomic $inc) and returns the count; consume() rejects with the count past the limit. */
  const count = async (limiter: RateLimiterMongo, key: string) => {
    try {
      return await limiter.consume(key);
    } catch (err) {
      if (err instanceof RateLimiterRes) return err;
      throw err;
    }
  };
  return {
    async consumeMail(userId, addressKey) {
      const [account, address] = await Promise.all([count(perAccount, userId), count(perAddress, addressKey)]);
      const over = [account.consumedPoints > perAccount.points && account, address.consumedPoints > perAddress.points && address].filter((r) => r !== false);
      if (over.length === 0) return { blocked: false };
      return { blocked: true, retryAfterSeconds: Math.max(1, Math.ceil(Math.max(...over.map((r) => r.msBeforeNext)) / 1000)) };
    },
  };
}
