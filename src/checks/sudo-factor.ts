// sudo factor: what a feature's factor (a code: features/two-factor) must
// offer sudo mode's one door (reauthenticate.ts), through src/feature.ts.
import type { Request } from 'express';

/** Where sudo mode's check of a factor is typed. */
export type FactorStep = 'login' | 'confirm' | 'password-change';

/** One counted check of a factor (the count is begun before anything is checked). */
export type FactorAttempt =
  | { blocked: true; retryAfterSeconds: number }
  | {
      blocked: false;
      /** `label`: how the security log names what was typed (e.g. "code", "recovery-code") */
      check(account: { userId: string; generation: number }, typed: unknown, req: Request): Promise<{ outcome: 'right'; label: string } | { outcome: 'wrong' | 'gone' }>;
      /** nothing was checked after all: the count is given back */
      abandoned(): Promise<void>;
    };

/** A factor sudo mode asks for besides the password, when the account has it. */
export interface SudoFactor {
  /** the form field it is typed in */
  field: string;
  /** whether this account has it (the forms show the field) */
  asks(userId: string): Promise<boolean>;
  begin(userId: string, ip: string, step: FactorStep): Promise<FactorAttempt>;
}

/** What the 429 page says is limited, for a factor's own limit. */
export const FACTOR_LIMIT_REASON = 'second-factor';

