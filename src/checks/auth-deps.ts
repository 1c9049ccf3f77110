// auth deps: what every page that checks a password needs (login,
// registration, the account pages, a feature's: src/feature.ts).
import type { PasswordHasher } from '../auth/passwords.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { UserModel } from '../models/user.js';
import type { SecurityEvents } from '../security-log/security-events.js';
import type { LoginThrottle } from '../security/throttle.js';

/** What the pages that check a password need: login, registration, the account pages. */
export interface AuthDeps {
  users: UserModel;
  passwords: PasswordHasher;
  throttle: LoginThrottle;
  sessionConfig: Config['session'];
  logger: Logger;
  /** the account's security log and the owner's alerts (security-log/) */
  events: SecurityEvents;
}
