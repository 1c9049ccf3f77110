// reset throttle: how often "forgot password" may be asked (OWASP Forgot
// Password cheat sheet: limit it, or anyone can flood a victim's inbox and
// our mail server's reputation). Counters live in MongoDB (security/hourly-limit.ts).
//
// - requests per address per hour: the page says "too many" past it, for
//   every name alike, so the refusal tells nothing about which accounts exist;
// - reset mails per account per hour: counted in the background, after the
//   page has answered (mail/outbox.ts); past it no mail is sent, silently,
//   since saying so would tell that the account exists.
import type { MongoClient } from 'mongodb';
import type { MailSettings } from './settings.js';
import { addressKey } from '../../security/client-address.js';
import { hourlyLimit, retryAfterSeconds } from '../../security/hourly-limit.js';
import type { ThrottleVerdict } from '../../security/throttle.js';

export interface ResetThrottle {
  /** Counts a "forgot password" request from this address, refusing it past the hourly limit. */
  consumeRequest(ip: string): Promise<ThrottleVerdict>;
  /** Counts a reset mail to this account; false past the hourly limit (send nothing). */
  mayMailAccount(userId: string): Promise<boolean>;
}

export function createResetThrottle(client: MongoClient, dbName: string, limits: MailSettings): ResetThrottle {
  const requests = hourlyLimit(client, dbName, 'reset_request_ip_hour', limits.resetRequestsPerIpPerHour);
  const mails = hourlyLimit(client, dbName, 'reset_mail_account_hour', limits.resetMailsPerAccountPerHour);
  return {
    async consumeRequest(ip) {
      const request = await requests.count(addressKey(ip));
      return request.over ? { blocked: true, retryAfterSeconds: retryAfterSeconds(request) } : { blocked: false };
    },
    async mayMailAccount(userId) {
      return !(await mails.count(userId)).over;
    },
  };
}
