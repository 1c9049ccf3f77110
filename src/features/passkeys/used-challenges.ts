// used challenges: each passkey challenge is accepted at most once, whatever
// happens to the session it was kept in. Taking the challenge out of the
// session is not enough on its own: two requests of one browser that arrive
// together both read the session before either saves it, and so both find the
// challenge. Here the first to use it inserts a document whose _id is the
// challenge; _id is unique, so a second insert fails (a duplicate key), in
// one step on the server, across every instance of the app. The documents go
// once the challenge could no longer be accepted anyway (a TTL index, or the
// sweep on servers without one: db/expiry.ts).
import type { Collection } from 'mongodb';
import type { Config } from '../../config.js';
import { ensureExpiryIndex, startSweep } from '../../db/expiry.js';
import type { Logger } from '../../logger.js';
import { isDuplicateKeyError } from '../../models/user.js';

export const USED_CHALLENGES_COLLECTION = 'passkey_challenges_used';

interface UsedChallenge {
  // the challenge itself (base64url, 32 random bytes): the unique _id index is the one-use rule
  _id: string;
  // when the record may go: the challenge has expired by then
  expiresAt: Date;
}

export interface UsedChallenges {
  /** True the first time a challenge is used; false every time after. */
  claim(challenge: string, expiresAt: Date): Promise<boolean>;
}

export function usedChallenges(collection: Collection): UsedChallenges {
  const used = collection as unknown as Collection<UsedChallenge>;
  return {
    async claim(challenge, expiresAt) {
      try {
        await used.insertOne({ _id: challenge, expiresAt });
        return true;
      } catch (err) {
        if (isDuplicateKeyError(err)) return false;
        throw err;
      }
    },
  };
}

/** The expiry of the records (TTL index or sweep), made before the first request; returns what stops the sweep. */
export async function ensureUsedChallengesExpiry(collection: Collection, config: Pick<Config, 'expiry'>, logger: Logger): Promise<() => void> {
  const mode = await ensureExpiryIndex(collection, 'expiresAt', config.expiry.mode, logger);
  return mode === 'sweep' ? startSweep(collection, 'expiresAt', config.expiry.sweepIntervalMinutes * 60_000, logger) : () => undefined;
}
