// finish login: what follows a right first factor, the one way a login ends.
// The password form (login.ts) comes here, and so does a feature's
// own first factor (features/mail's sign-in link): a feature's step after
// it (two-factor's code: src/feature.ts afterPassword) may take the login
// over; otherwise the attempt is settled, the session renewed and saved
// (session/lifecycle.ts signIn), the login logged, and only then the
// redirect. A second copy of these lines is where a step gets skipped.
import type { Logger } from '../logger.js';
import type { AttachedFeature, PasswordChecked } from '../feature.js';
import type { SecurityEvents } from '../security-log/security-events.js';
import type { SignInMethod } from '../security-log/events.js';
import type { Config } from '../config.js';
import { signIn } from '../session/lifecycle.js';

export interface FinishLoginDeps {
  features: AttachedFeature[];
  sessionConfig: Config['session'];
  logger: Logger;
  events: SecurityEvents;
}

/** The account's fields the steps after a first factor read, besides the core's. */
export function loginStepFields(features: AttachedFeature[]): string[] {
  return features.filter((feature) => feature.afterPassword !== undefined).flatMap((feature) => feature.loginFields ?? []);
}

/** A right first factor: the steps after it, then the session. The response is sent either way. */
export async function finishLogin(deps: FinishLoginDeps, checked: PasswordChecked & { method: SignInMethod }): Promise<void> {
  const { req, res, account, attempt, next, rememberMe, method } = checked;
  // a step still to come (a code to type: features/two-factor) takes the
  // login over from here, and finishes it itself
  for (const feature of deps.features) {
    if ((await feature.afterPassword?.(checked)) === 'responded') return;
  }
  await attempt.succeeded();
  await signIn(req, account, deps.sessionConfig, { rememberMe });
  deps.logger.info({ event: 'login', method, userId: account.id, ip: req.ip ?? 'unknown' }, 'logged in');
  // the account's security log, and a mail if this browser is new to it
  await deps.events.signedIn(req, res, account.id, method);
  res.redirect(303, next);
}
