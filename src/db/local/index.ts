// local database: what the app uses when MONGODB_URI is unset (development
// and tests only). In order: a real mongod through mongodb-memory-server if
// one is installed, cached or downloadable; otherwise the FerretDB stand-in.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../../config.js';
import type { Logger } from '../../logger.js';
import { PROJECT_ROOT } from '../../paths.js';
import { startFerretDb } from './ferretdb.js';
import { findInstalledMongod, mongodDownloadLooksPossible, rememberDownloadFailure, startMongod } from './mongod.js';
import { LocalDatabaseError, WAYS_OUT, type RunningDatabase } from './types.js';

export { LocalDatabaseError, type RunningDatabase } from './types.js';

export const DEFAULT_DB_NAME = 'cloakroom';

export interface LocalDatabase extends RunningDatabase {
  /** The URI of one database on this server: `mongodb://127.0.0.1:PORT/NAME`. */
  uri(dbName?: string): string;
}

export interface LocalDatabaseOptions {
  engine: Config['localDb']['engine'];
  // a directory that survives restarts; undefined makes a fresh one removed at stop()
  dataDir: string | undefined;
  logger: Logger;
  port?: number;
}

export function databaseUri(serverUri: string, dbName: string): string {
  const url = new URL(serverUri);
  url.pathname = `/${dbName}`;
  return url.toString();
}

async function startEngine(options: LocalDatabaseOptions, dataDir: string): Promise<RunningDatabase> {
  const { engine, logger } = options;
  const mongodDir = path.join(dataDir, 'mongod');
  const ferretDir = path.join(dataDir, 'ferretdb');

  if (engine === 'mongod') return startMongod({ ...options, dataDir: mongodDir });
  if (engine === 'ferretdb') return startFerretDb({ ...options, dataDir: ferretDir });

  if ((await findInstalledMongod()) || (await mongodDownloadLooksPossible(logger))) {
    try {
      return await startMongod({ ...options, dataDir: mongodDir });
    } catch (err) {
      rememberDownloadFailure(logger, err instanceof Error ? err.message : String(err));
    }
  }
  return startFerretDb({ ...options, dataDir: ferretDir });
}

export async function startLocalDatabase(options: LocalDatabaseOptions): Promise<LocalDatabase> {
  const temporary = options.dataDir === undefined;
  const dataDir = options.dataDir
    ? path.resolve(PROJECT_ROOT, options.dataDir)
    : mkdtempSync(path.join(os.tmpdir(), 'cloakroom-db-'));

  let running: RunningDatabase;
  try {
    running = await startEngine(options, dataDir);
  } catch (err) {
    if (temporary) rmSync(dataDir, { recursive: true, force: true });
    const reason = err instanceof Error ? err.message : String(err);
    throw new LocalDatabaseError(`${reason}\nTo get a database:\n  ${WAYS_OUT}`);
  }

  options.logger.info(
    `Local database: ${running.description} at ${databaseUri(running.serverUri, DEFAULT_DB_NAME)}, data in ${
      temporary ? `${dataDir} (removed at exit)` : path.relative(PROJECT_ROOT, dataDir) || dataDir
    }`,
  );

  return {
    ...running,
    uri: (dbName = DEFAULT_DB_NAME) => databaseUri(running.serverUri, dbName),
    async stop() {
      await running.stop();
      if (temporary) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
