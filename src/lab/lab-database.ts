// lab database: what the lab keeps in MongoDB, on collections of its own so
// its experiments never touch real users or sessions. Development only.
import { MongoStore } from 'connect-mongo';
import type { Collection, MongoClient } from 'mongodb';
import { RaceSafeMongoStore } from '../session/race-safe-store.js';

export const LAB_COLLECTIONS = {
  sessions: 'lab_sessions',
  uninitialized: 'lab_uninitialized_sessions',
  counters: 'lab_counters',
  resurrection: 'lab_resurrection_sessions',
} as const;

export interface LabDatabase {
  /** A session store on one of the lab's collections: connect-mongo as it comes. */
  store(collection: string): MongoStore;
  /** The same with Cloakroom's store (session/race-safe-store.ts), for the right way. */
  raceSafeStore(collection: string): RaceSafeMongoStore;
  collection<T extends { _id: string }>(name: string): Collection<T>;
}

export function labDatabase(client: MongoClient, dbName: string): LabDatabase {
  // no TTL index or sweep timer for a few throwaway documents: the lab pages
  // have buttons that empty their collections
  const options = (collectionName: string) => ({ client, dbName, collectionName, autoRemove: 'disabled' as const });
  return {
    store: (collectionName) => MongoStore.create({ ...options(collectionName), stringify: false }),
    // lab sessions hold no user, so there is nothing to revoke
    raceSafeStore: (collectionName) => new RaceSafeMongoStore(options(collectionName), () => Promise.resolve(true)),
    collection: <T extends { _id: string }>(name: string) => client.db(dbName).collection<T>(name),
  };
}
