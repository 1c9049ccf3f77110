// lab services: what the lab needs from MongoDB, on collections of its own so
// its experiments never touch real users or sessions. Development only.
import { MongoStore } from 'connect-mongo';
import type { Collection, MongoClient } from 'mongodb';

export const LAB_COLLECTIONS = {
  sessions: 'lab_sessions',
  uninitialized: 'lab_uninitialized_sessions',
  counters: 'lab_counters',
} as const;

export interface LabServices {
  /** A session store on one of the lab's collections. */
  store(collection: string): MongoStore;
  collection<T extends { _id: string }>(name: string): Collection<T>;
}

export function labServices(client: MongoClient, dbName: string): LabServices {
  return {
    store: (collectionName) =>
      MongoStore.create({
        client,
        dbName,
        collectionName,
        stringify: false,
        // no TTL index or sweep timer for a few throwaway documents: the lab
        // pages have buttons that empty their collections
        autoRemove: 'disabled',
      }),
    collection: <T extends { _id: string }>(name: string) => client.db(dbName).collection<T>(name),
  };
}
