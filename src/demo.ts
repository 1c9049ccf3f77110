// demo mode: on a public demo site, strangers' accounts do not pile up. An
// account is removed DEMO_ACCOUNT_TTL after it was created: by a TTL index on
// createdAt where the server has them (its sessions then end at their next
// request, as sessions of a deleted account do, and expire), by a periodic
// sweep that also deletes the sessions otherwise.
import { trusted } from 'mongoose';
import type { Config } from './config.js';
import { ensureExpiryIndex, type ActiveExpiryMode } from './db/expiry.js';
import type { Logger } from './logger.js';
import type { Feature } from './feature.js';
import type { UserModel } from './models/user.js';
import type { UserSessions } from './session/user-sessions.js';

/** Deletes accounts created more than `ttlMs` ago, sessions first; says how many. */
export async function removeExpiredDemoAccounts(
  users: UserModel,
  userSessions: UserSessions,
  ttlMs: number,
  now = Date.now(),
  features: Pick<Feature, 'onAccountDeleted'>[] = [],
): Promise<number> {
  // trusted(): sanitizeFilter is on, so an operator we write ourselves must say so
  // (where a TTL index removes accounts instead, what a feature stored stays
  // behind, harmless: a passkey signs in only to an account that exists)
  const expired = await users.find({ createdAt: trusted({ $lt: new Date(now - ttlMs) }) }, { _id: 1 }).lean();
  for (const { _id } of expired) {
    await userSessions.endAll(String(_id));
    for (const feature of features) await feature.onAccountDeleted?.(String(_id));
    await users.deleteOne({ _id });
  }
  return expired.length;
}

export async function startDemoCleanup(deps: {
  users: UserModel;
  features: Pick<Feature, 'onAccountDeleted'>[];
  userSessions: UserSessions;
  config: Pick<Config, 'demo' | 'expiry'>;
  logger: Logger;
}): Promise<{ mode: ActiveExpiryMode; stop: () => void }> {
  const { users, userSessions, config, logger, features } = deps;
  const ttlMs = config.demo.accountTtlMs;
  const mode = await ensureExpiryIndex(
    users.collection,
    'createdAt',
    config.expiry.mode,
    logger,
    Math.ceil(ttlMs / 1000),
  );
  logger.info(`Demo mode: accounts are removed ${Math.round(ttlMs / 60_000)} min after creation (${mode === 'ttl' ? 'TTL index' : 'sweep'})`);
  if (mode === 'ttl') return { mode, stop: () => undefined };

  const sweep = () => {
    removeExpiredDemoAccounts(users, userSessions, ttlMs, Date.now(), features).then(
      (removed) => {
        if (removed > 0) logger.info({ event: 'demo-accounts-removed', removed }, 'expired demo accounts removed');
      },
      (err: unknown) => {
        logger.warn({ err }, 'removing expired demo accounts failed; will retry');
      },
    );
  };
  sweep();
  const timer = setInterval(sweep, config.expiry.sweepIntervalMinutes * 60_000);
  timer.unref();
  return { mode, stop: () => clearInterval(timer) };
}
