// code attempts: every place a second-factor code is checked (the login's
// code step, the confirm page of sudo mode, the password form) goes through
// here, so they share one count per account, one warning in the log and one
// mail to the owner. Whoever types a code has the password already: the
// password form keys its lockout by address, so that nobody can lock a victim
// out, but the codes are counted against the account from every address
// together (security/throttle.ts, beginSecondFactorAttempt). A right password
// never resets that count; only a right code does.
//
//   begin(userId)     counted before the code is checked; refused past the limit
//   check(login, …)   the code used once (features/two-factor/second-factor.ts), the count
//                     given back, or kept with the warning and the mail
import type { Request } from 'express';
import type { Logger } from '../../logger.js';
import type { SecurityEvents } from '../../security-log/security-events.js';
import type { TwoFactorNotices } from './notices.js';
import type { LoginThrottle } from '../../security/throttle.js';
import type { SecondFactor, SecondFactorCheck } from './second-factor.js';

/** Where a code was typed, for the log. */
export type CodeStep = 'login' | 'confirm' | 'password-change';

export type CodeAttempt =
  | { blocked: true; retryAfterSeconds: number }
  | {
      blocked: false;
      /** Checks the code; the account's count follows the outcome. */
      check(login: { userId: string; generation: number }, typed: unknown, req: Request): Promise<SecondFactorCheck>;
      /** No code was checked after all (a wrong password came first): the attempt is given back. */
      abandoned(): Promise<void>;
    };

export interface CodeAttempts {
  begin(userId: string, ip: string, step: CodeStep): Promise<CodeAttempt>;
}

export function codeAttempts(deps: { secondFactor: SecondFactor; throttle: LoginThrottle; logger: Logger; notices: TwoFactorNotices; events: SecurityEvents }): CodeAttempts {
  const { secondFactor, throttle, logger, notices, events } = deps;
  return {
    async begin(userId, ip, step) {
      const counted = await throttle.beginSecondFactorAttempt(userId);
      if (counted.blocked) {
        logger.warn({ event: 'two-factor-blocked', reason: 'account', step, userId, ip }, 'code refused: too many wrong codes for this account');
        return counted;
      }
      return {
        blocked: false,
        abandoned: () => counted.abandoned(),
        async check(login, typed, req) {
          let result: SecondFactorCheck;
          try {
            result = await secondFactor.check(login, typed, Date.now());
          } catch (err) {
            await counted.abandoned();
            throw err;
          }
          if (result.outcome === 'gone') {
            // nothing was checked: the account changed under this session
            await counted.abandoned();
            return result;
          }
          if (result.outcome === 'wrong') {
            const { failures, limitReached } = await counted.failed();
            logger.info({ event: 'two-factor-failed', step, userId, ip }, 'wrong or used second-factor code');
            await events.record(req, userId, { type: limitReached ? 'locked-out' : 'sign-in-failed', method: 'code' });
            if (limitReached) {
              // the password is known to someone: the owner is told to change it
              logger.warn({ event: 'two-factor-account-locked', step, userId, ip, failures }, 'too many wrong codes for this account: its code step is closed');
              notices.codeFailures(userId, failures);
            }
            return result;
          }
          await counted.succeeded();
          if (result.outcome === 'recovery') {
            logger.info({ event: 'recovery-code-used', step, userId, ip, recoveryCodesLeft: result.recoveryCodesLeft }, 'a recovery code was used');
            await events.record(req, userId, { type: 'recovery-code-used', left: result.recoveryCodesLeft });
          }
          return result;
        },
      };
    },
  };
}
