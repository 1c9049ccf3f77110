// verification throttle: how many address-confirmation mails may go out (the
// account page and registration, features/mail/account-email.ts). Each one goes to
// an address the visitor typed, so without a limit one account could post
// the form in a loop and flood any mailbox, or our mail server's
// reputation. The same pattern as "forgot password" (reset-throttle.ts), in
// the same collection:
//
// - mails per account per hour;
// - mails per recipient address per hour (its key), whichever account asks,
//   counted apart for the account page and for registrations.
//
// Why apart: a registration is a new account, free to make, and may name any
// address. Were its mail counted with the account page's, three throwaway
// registrations naming someone's address would leave its owner unable to add
// it to their own account for an hour.
//
// Every mail is counted before it is sent; past either limit nothing is sent
// and the page says "too many" (registration: the account is made all the same).
import type { MongoClient } from 'mongodb';
import type { MailSettings } from './settings.js';
import { hourlyLimit, retryAfterSeconds } from '../../security/hourly-limit.js';
import type { ThrottleVerdict } from '../../security/throttle.js';

/** Which form asked for the mail: each has its own count per recipient. */
export type VerificationSource = 'account-page' | 'registration';

export interface VerificationThrottle {
  /** Counts a verification mail from this account to this address (its emailKey); blocked past either hourly limit. */
  consumeMail(userId: string, addressKey: string, source: VerificationSource): Promise<ThrottleVerdict>;
}

type Limits = Pick<MailSettings, 'verificationMailsPerAccountPerHour' | 'verificationMailsPerAddressPerHour' | 'registrationMailsPerAddressPerHour'>;

export function createVerificationThrottle(client: MongoClient, dbName: string, limits: Limits): VerificationThrottle {
  const perAccount = hourlyLimit(client, dbName, 'verify_mail_account_hour', limits.verificationMailsPerAccountPerHour);
  const perAddress: Record<VerificationSource, ReturnType<typeof hourlyLimit>> = {
    'account-page': hourlyLimit(client, dbName, 'verify_mail_address_hour', limits.verificationMailsPerAddressPerHour),
    registration: hourlyLimit(client, dbName, 'verify_mail_address_register_hour', limits.registrationMailsPerAddressPerHour),
  };
  return {
    async consumeMail(userId, addressKey, source) {
      const counts = await Promise.all([perAccount.count(userId), perAddress[source].count(addressKey)]);
      const over = counts.filter((count) => count.over);
      return over.length === 0 ? { blocked: false } : { blocked: true, retryAfterSeconds: retryAfterSeconds(...over) };
    },
  };
}
