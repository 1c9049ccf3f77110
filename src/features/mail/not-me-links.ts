// not-me links: the "This wasn't me" link in each security alert mail. Whoever
// holds it may lock the account down once (features/mail/not-me.ts): end its
// sessions, cancel an address change, have a reset link mailed, remove
// passkeys. Like reset links, the token is 32 random bytes and only its
// SHA-256 is stored (auth/link-tokens.ts): a leaked backup opens nothing.
// Each alert carries a new link, each link works once, for 7 days, and the
// records leave the collection when they expire (a TTL index, or the sweep
// on servers without one: db/expiry.ts).
import type { Collection, Db } from 'mongodb';
import type { Config } from '../../config.js';
import { ensureExpiryIndex, startSweep } from '../../db/expiry.js';
import type { Logger } from '../../logger.js';
import { hashLinkToken, newLinkToken } from '../../auth/link-tokens.js';

export const NOT_ME_LINKS_COLLECTION = 'not_me_links';
export const NOT_ME_LINK_LIFETIME_MS = 7 * 86_400_000;

/** What a link was mailed for, and where. */
export interface NotMeTarget {
  userId: string;
  /** the key of the address it was mailed to: a link mailed to an address the account no longer has only signs out */
  mailedTo: string;
  /** a "two-factor turned on" alert: the enrolment it is about (twoFactor.enabledAt), undone by the button */
  twoFactorEnabledAt?: Date;
}

interface NotMeLink extends NotMeTarget {
  tokenHash: string;
  expiresAt: Date;
}

export interface NotMeLinks {
  /** A new link's token (the mail carries it; only its hash is kept). */
  create(target: NotMeTarget): Promise<string>;
  /** The account a token is for, if it is still good; reads only (the page before the button). */
  peek(token: string): Promise<string | undefined>;
  /** Uses the token up: what it was mailed for, to the first caller only; undefined to every other. */
  consume(token: string): Promise<NotMeTarget | undefined>;
  /** Every link of the account stops working (its address changed or went, or the account did). */
  forget(userId: string): Promise<void>;
}

/** The link for a mail: PUBLIC_URL, never the request's Host header (mail/compose.ts says why). */
export function notMeUrl(publicUrl: string, token: string): string {
  return `${publicUrl}/not-me?token=${token}`;
}

export function notMeLinks(collection: Collection): NotMeLinks {
  const links = collection as unknown as Collection<NotMeLink>;
  // expired links may still be in the collection until the TTL monitor (or
  // the sweep) gets to them: the date is checked on every lookup as well
  const live = (token: string) => ({ tokenHash: hashLinkToken(token), expiresAt: { $gt: new Date() } });
  return {
    async create(target) {
      const { token, tokenHash } = newLinkToken();
      await links.insertOne({ ...target, tokenHash, expiresAt: new Date(Date.now() + NOT_ME_LINK_LIFETIME_MS) });
      return token;
    },
    async peek(token) {
      return (await links.findOne(live(token), { projection: { userId: 1 } }))?.userId;
    },
    async consume(token) {
      // one atomic find-and-delete: of several requests with one link at
      // once, the server hands the document to exactly one of them
      const link = await links.findOneAndDelete(live(token));
      return link ? { userId: link.userId, mailedTo: link.mailedTo, twoFactorEnabledAt: link.twoFactorEnabledAt } : undefined;
    },
    async forget(userId) {
      await links.deleteMany({ userId });
    },
  };
}

/** The collection's indexes, before the first request, and the links on it; `stop` ends the sweep. */
export async function openNotMeLinks(db: Db, config: Pick<Config, 'expiry'>, logger: Logger): Promise<{ notMeLinks: NotMeLinks; stop: () => void }> {
  const collection = db.collection(NOT_ME_LINKS_COLLECTION);
  await collection.createIndex({ tokenHash: 1 }, { unique: true, name: 'tokenHash_unique' });
  const mode = await ensureExpiryIndex(collection, 'expiresAt', config.expiry.mode, logger);
  const stop = mode === 'sweep' ? startSweep(collection, 'expiresAt', config.expiry.sweepIntervalMinutes * 60_000, logger) : () => undefined;
  return { notMeLinks: notMeLinks(collection), stop };
}
