// database: a real MongoDB-compatible server for a test file. With
// MONGODB_URI set, that server (each test file gets its own database, dropped
// afterwards); otherwise a fresh local database that is deleted at the end.
import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { pino } from 'pino';
import { databaseUri, startLocalDatabase } from '../../src/db/local/index.js';

export interface TestDatabase {
  /** A new, empty database on the server. */
  freshUri(): string;
  stop(): Promise<void>;
}

export const quietLogger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export async function startTestDatabase(): Promise<TestDatabase> {
  const created: string[] = [];
  const name = () => {
    const db = `cloakroom_test_${randomBytes(4).toString('hex')}`;
    created.push(db);
    return db;
  };

  const external = process.env.MONGODB_URI;
  if (external) {
    return {
      freshUri: () => databaseUri(external, name()),
      async stop() {
        const client = await MongoClient.connect(external);
        for (const db of created) await client.db(db).dropDatabase();
        await client.close();
      },
    };
  }

  const local = await startLocalDatabase({ engine: 'auto', dataDir: undefined, logger: quietLogger });
  return {
    freshUri: () => local.uri(name()),
    stop: () => local.stop(),
  };
}
