// known browser: whether this browser has signed in to this account before,
// so that a sign-in from a browser never seen on the account can be told to
// its owner. A cookie of its own, apart from the session cookie: the session
// ends at logout, this one stays for about a year and holds nothing but a
// random ID, signed so that a cookie this server did not make counts as none.
// Only the SHA-256 of the ID is stored: whoever reads the database cannot
// make a cookie that passes for a known browser.
//
// It is a hint, not a credential: nothing is allowed because of it. A browser
// that clears its cookies is simply "new" again.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Collection, Db } from 'mongodb';
import type { Config } from '../config.js';
import { ensureExpiryIndex, startSweep } from '../db/expiry.js';
import type { Logger } from '../logger.js';
import { isDuplicateKeyError } from '../models/user.js';

export const KNOWN_BROWSERS_COLLECTION = 'known_browsers';
/** How long the cookie lives, and a browser is remembered after its last sign-in. */
export const KNOWN_BROWSER_LIFETIME_MS = 365 * 86_400_000;
/** Browsers remembered per account; past it the one seen longest ago is forgotten. */
export const MAX_KNOWN_BROWSERS_PER_ACCOUNT = 50;

const COOKIE_NAME = 'cloakroom.browser';
// 16 random bytes: 128 bits, ASVS's minimum for anything that identifies a client
const ID_BYTES = 16;
const ID_PATTERN = /^[\w-]{22}$/;
// the signature covers this label and the ID: the session cookie is signed
// with the same secret, and without the label a session cookie's signed ID
// would also pass as a signed browser ID (and the other way round)
const SIGNING_LABEL = 'known-browser:';

interface KnownBrowser {
  userId: string;
  browserKey: string;
  firstSeenAt: Date;
  lastSeenAt: Date;
  // lastSeenAt plus a year: the TTL index (or the sweep) removes it then
  expiresAt: Date;
}

export interface KnownBrowserOptions {
  /** SESSION_SECRET: the first signs, every one verifies (rotation, as for the session cookie) */
  secrets: string[];
  /** Secure where the session cookie is; then the name also carries the __Host- prefix */
  secure: boolean;
}

export interface KnownBrowsers {
  /**
   * Right after a successful sign-in: gives this browser its cookie if it
   * has no valid one, and says whether the browser had signed in to this
   * account before. `browserKey` is the SHA-256 of the cookie's ID.
   */
  noteSignIn(req: Request, res: Response, userId: string): Promise<{ newBrowser: boolean; browserKey: string }>;
  /** The SHA-256 of this browser's ID if its cookie is valid ("this browser" in the security log). */
  browserKeyOf(req: Request): string | undefined;
  /**
   * Forgets the account's browsers (all but `keep`, when given): after a
   * reset, "This wasn't me" or a password change, an intruder's browser must
   * be new again, so that its next sign-in is mailed about.
   */
  forget(userId: string, keep?: string): Promise<void>;
  /** The cookie's name: __Host-cloakroom.browser where it is Secure. */
  readonly cookieName: string;
}

/** The SHA-256 of a browser ID, as stored: the ID itself never leaves the cookie. */
export function browserKeyFor(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}

function sign(id: string, secret: string): string {
  return createHmac('sha256', secret).update(SIGNING_LABEL + id).digest('base64url');
}

/** One cookie's value from the Cookie header (the app has no cookie parser: this is its only other cookie). */
function cookieValue(req: Request, name: string): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function knownBrowsers(collection: Collection, options: KnownBrowserOptions): KnownBrowsers {
  const browsers = collection as unknown as Collection<KnownBrowser>;
  // __Host-: the browser takes the cookie only if it is Secure, has Path=/
  // and no Domain, so a sibling subdomain cannot plant one (as for the
  // session cookie, config.ts); the prefix requires Secure, so it goes with it
  const cookieName = `${options.secure ? '__Host-' : ''}${COOKIE_NAME}`;
  const [signingSecret = ''] = options.secrets;

  /** The ID in a valid cookie; a missing, malformed or badly signed one is no cookie at all. */
  function idFrom(req: Request): string | undefined {
    const value = cookieValue(req, cookieName);
    const dot = value?.indexOf('.') ?? -1;
    if (!value || dot === -1) return undefined;
    const id = value.slice(0, dot);
    const signature = Buffer.from(value.slice(dot + 1));
    if (!ID_PATTERN.test(id)) return undefined;
    // compared in constant time: how long a comparison takes tells nothing about the right signature
    const valid = options.secrets.some((secret) => {
      const expected = Buffer.from(sign(id, secret));
      return expected.length === signature.length && timingSafeEqual(expected, signature);
    });
    return valid ? id : undefined;
  }

  /** Inserts the pair, or touches it; true if this call inserted it. */
  async function remember(userId: string, browserKey: string): Promise<boolean> {
    const now = new Date();
    const update = {
      $set: { lastSeenAt: now, expiresAt: new Date(now.getTime() + KNOWN_BROWSER_LIFETIME_MS) },
      $setOnInsert: { firstSeenAt: now },
    };
    // One upsert, and the unique index on {userId, browserKey} decides: of
    // several sign-ins of one browser at once, exactly one inserts the pair
    // (upsertedCount 1). Reading first and inserting after would let each of
    // them find nothing and each say "new browser". Two upserts that race
    // may both try the insert; the loser gets a duplicate key error, and its
    // retry finds the pair and only updates it.
    try {
      return (await browsers.updateOne({ userId, browserKey }, update, { upsert: true })).upsertedCount === 1;
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      return (await browsers.updateOne({ userId, browserKey }, update, { upsert: true })).upsertedCount === 1;
    }
  }

  /** Keeps the account's newest MAX_KNOWN_BROWSERS_PER_ACCOUNT: the list cannot grow without end. */
  async function forgetOldest(userId: string): Promise<void> {
    const beyond = await browsers
      .find({ userId }, { projection: { _id: 1 } })
      .sort({ lastSeenAt: -1, _id: -1 })
      .skip(MAX_KNOWN_BROWSERS_PER_ACCOUNT)
      .toArray();
    if (beyond.length > 0) await browsers.deleteMany({ _id: { $in: beyond.map((b) => b._id) } });
  }

  return {
    cookieName,
    async noteSignIn(req, res, userId) {
      // Without a cookie, sign-ins running at once each make an ID of their
      // own; the browser keeps the last cookie it is sent, and the others'
      // records are simply never seen again (and expire).
      const id = idFrom(req) ?? randomBytes(ID_BYTES).toString('base64url');
      // set again at every sign-in: a browser in use is remembered a year from its last sign-in
      res.cookie(cookieName, `${id}.${sign(id, signingSecret)}`, {
        // page scripts never read it: an XSS bug cannot copy it to another browser
        httpOnly: true,
        sameSite: 'lax',
        secure: options.secure,
        path: '/',
        maxAge: KNOWN_BROWSER_LIFETIME_MS,
      });
      const browserKey = browserKeyFor(id);
      const newBrowser = await remember(userId, browserKey);
      if (newBrowser) await forgetOldest(userId);
      return { newBrowser, browserKey };
    },
    browserKeyOf(req) {
      const id = idFrom(req);
      return id === undefined ? undefined : browserKeyFor(id);
    },
    async forget(userId, keep) {
      await browsers.deleteMany(keep === undefined ? { userId } : { userId, browserKey: { $ne: keep } });
    },
  };
}

/**
 * The collection's indexes, made before the first request, and the module on
 * it: the unique pair (the "new browser" rule above) and the expiry (a TTL
 * index, or the sweep on servers without one: db/expiry.ts). `stop` ends the sweep.
 */
export async function openKnownBrowsers(
  db: Db,
  config: Pick<Config, 'expiry'> & { session: Pick<Config['session'], 'secrets' | 'secureCookie'> },
  logger: Logger,
): Promise<{ knownBrowsers: KnownBrowsers; stop: () => void }> {
  const collection = db.collection(KNOWN_BROWSERS_COLLECTION);
  await collection.createIndex({ userId: 1, browserKey: 1 }, { unique: true, name: 'userId_browserKey_unique' });
  const mode = await ensureExpiryIndex(collection, 'expiresAt', config.expiry.mode, logger);
  const stop = mode === 'sweep' ? startSweep(collection, 'expiresAt', config.expiry.sweepIntervalMinutes * 60_000, logger) : () => undefined;
  return { knownBrowsers: knownBrowsers(collection, { secrets: config.session.secrets, secure: config.session.secureCookie }), stop };
}
