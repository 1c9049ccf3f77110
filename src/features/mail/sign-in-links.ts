// sign-in links: "Email me a sign-in link". Whoever holds the link signs in
// to the account once, as with its password (one factor: two-factor still
// asks for its code). Like reset links, the token is 32 random bytes and only
// its SHA-256 is stored (auth/link-tokens.ts); it works once, for
// SIGN_IN_LINK_LIFETIME (15 minutes), only while the account's confirmed
// address is still the one it was mailed to, and a newer link replaces it.
//
// A link also remembers the browser that asked for it: a random value kept
// in that browser's session, stored here as a hash. Opened there, it signs in
// at once; opened anywhere else (another device, or a mail scanner that
// follows every link), it only asks first, and nothing changes until that
// device says yes (a form, POST). Records leave the collection when they
// expire (a TTL index, or the sweep: db/expiry.ts).
import { createHash, randomBytes } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import type { Config } from '../../config.js';
import { ensureExpiryIndex, startSweep } from '../../db/expiry.js';
import type { Logger } from '../../logger.js';
import { hashLinkToken, newLinkToken } from '../../auth/link-tokens.js';

export const SIGN_IN_LINKS_COLLECTION = 'sign_in_links';

interface SignInLink {
  tokenHash: string;
  userId: string;
  /** the key of the address it was mailed to */
  mailedTo: string;
  /** the account's session generation when it was issued (session/revocation.ts) */
  generation: number;
  /** the SHA-256 of the asking browser's value (its session's signInLinkBrowser) */
  browserHash: string;
  expiresAt: Date;
}

/** What a link was issued for. */
export interface SignInLinkTarget {
  userId: string;
  mailedTo: string;
  /** valid only while the account's session generation is still this one */
  generation: number;
  /** opened in the browser that asked for it */
  sameBrowser: boolean;
}

export interface SignInLinks {
  /** A new link's token for the account (any older one stops working). */
  issue(target: { userId: string; mailedTo: string; generation: number; browser: string; lifetimeMs: number }): Promise<string>;
  /** Who a token is for, if it is still good; reads only (a scanner's GET changes nothing). */
  peek(token: string, browser: string | undefined): Promise<SignInLinkTarget | undefined>;
  /** Uses the token up: to the first caller only, undefined to every other. */
  consume(token: string, browser: string | undefined): Promise<SignInLinkTarget | undefined>;
  /** Every link of the account stops working (its address changed, or the account went). */
  forget(userId: string): Promise<void>;
}

/** The value a browser keeps in its session while its link is on its way. */
export function newBrowserValue(): string {
  return randomBytes(16).toString('base64url');
}

const hashBrowser = (value: string) => createHash('sha256').update(value).digest('hex');

export function signInLinks(collection: Collection): SignInLinks {
  const links = collection as unknown as Collection<SignInLink>;
  // an expired link may linger until the TTL monitor (or the sweep) removes it
  const live = (token: string) => ({ tokenHash: hashLinkToken(token), expiresAt: { $gt: new Date() } });
  const target = (link: SignInLink, browser: string | undefined): SignInLinkTarget => ({
    userId: link.userId,
    mailedTo: link.mailedTo,
    generation: link.generation,
    sameBrowser: browser !== undefined && hashBrowser(browser) === link.browserHash,
  });
  return {
    async issue({ userId, mailedTo, generation, browser, lifetimeMs }) {
      const { token, tokenHash } = newLinkToken();
      await links.deleteMany({ userId });
      await links.insertOne({ tokenHash, userId, mailedTo, generation, browserHash: hashBrowser(browser), expiresAt: new Date(Date.now() + lifetimeMs) });
      return token;
    },
    async peek(token, browser) {
      const link = await links.findOne(live(token));
      return link ? target(link, browser) : undefined;
    },
    async consume(token, browser) {
      // one atomic find-and-delete: of several requests with one link at
      // once (three tabs, three devices), exactly one gets the document
      const link = await links.findOneAndDelete(live(token));
      return link ? target(link, browser) : undefined;
    },
    async forget(userId) {
      await links.deleteMany({ userId });
    },
  };
}

/** The collection's indexes, before the first request, and the links on it; `stop` ends the sweep. */
export async function openSignInLinks(db: Db, config: Pick<Config, 'expiry'>, logger: Logger): Promise<{ signInLinks: SignInLinks; stop: () => void }> {
  const collection = db.collection(SIGN_IN_LINKS_COLLECTION);
  await collection.createIndex({ tokenHash: 1 }, { unique: true, name: 'tokenHash_unique' });
  await collection.createIndex({ userId: 1 }, { name: 'userId' });
  const mode = await ensureExpiryIndex(collection, 'expiresAt', config.expiry.mode, logger);
  const stop = mode === 'sweep' ? startSweep(collection, 'expiresAt', config.expiry.sweepIntervalMinutes * 60_000, logger) : () => undefined;
  return { signInLinks: signInLinks(collection), stop };
}
