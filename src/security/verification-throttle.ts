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
import type { Config } from '../config.js';
import { hourlyLimit, retryAfterSeconds } from './hourly-limit.js';
import type { ThrottleVerdict } from './throttle.js';

export interface VerificationThrottle {
  /** Counts a verification mail from this account to this address (its emailKey); blocked past either hourly limit. */
  consumeMail(userId: string, addressKey: string): Promise<ThrottleVerdict>;
}

type Limits = Pick<Config['mail'], 'verificationMailsPerAccountPerHour' | 'verificationMailsPerAddressPerHour'>;

export function createVerificationThrottle(client: MongoClient, dbName: string, limits: Limits): VerificationThrottle {
  const perAccount = hourlyLimit(client, dbName, 'verify_mail_account_hour', limits.verificationMailsPerAccountPerHour);
  const perAddress = hourlyLimit(client, dbName, 'verify_mail_address_hour', limits.verificationMailsPerAddressPerHour);
  return {
    async consumeMail(userId, addressKey) {
      const counts = await Promise.all([perAccount.count(userId), perAddress.count(addressKey)]);
      const over = counts.filter((count) => count.over);
      return over.length === 0 ? { blocked: false } : { blocked: true, retryAfterSeconds: retryAfterSeconds(...over) };
    },
  };
}
