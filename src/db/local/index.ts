// local database: what the app uses when MONGODB_URI is unset (development
// and tests only). In order: a real mongod through mongodb-memory-server if
// one is installed, cached or downloadable; otherwise the FerretDB stand-in.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
  /** Stops the server but keeps its files (outage tests). */
  pause(): Promise<void>;
  /** Starts it again on the same port with the same files. */
  resume(): Promise<void>;
  /**
   * Freezes the server process (SIGSTOP): its connections stay open and it
   * answers nothing, as a hung server or a network that drops packets would
   * (outage tests). Only for a server this process started.
   */
  freeze(): void;
  /** Lets a frozen server carry on (SIGCONT). */
  thaw(): void;
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

interface RunningRecord {
  pid: number;
  engine: RunningDatabase['engine'];
  description: string;
  serverUri: string;
  port: number;
}

const RECORD_FILE = 'local-db.json';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A database directory holds one server at a time. When another process
 * (`npm run db`, a second `npm run dev`) already serves this directory, use
 * that server instead of starting a second one on the same files.
 */
function alreadyRunning(dataDir: string): RunningRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(path.join(dataDir, RECORD_FILE), 'utf8')) as RunningRecord;
    return record.pid !== process.pid && alive(record.pid) ? record : undefined;
  } catch {
    return undefined;
  }
}

function withUri(running: RunningDatabase, restart: () => Promise<RunningDatabase>): LocalDatabase {
  let current = running;
  const signal = (name: NodeJS.Signals) => {
    if (current.serverPid === undefined) {
      throw new LocalDatabaseError('This database server was not started by this process, so it cannot be frozen.');
    }
    process.kill(current.serverPid, name);
  };
  return {
    ...running,
    uri: (dbName = DEFAULT_DB_NAME) => databaseUri(running.serverUri, dbName),
    pause: () => current.stop(),
    async resume() {
      current = await restart();
    },
    freeze: () => signal('SIGSTOP'),
    thaw: () => signal('SIGCONT'),
    stop: () => current.stop(),
  };
}

export async function startLocalDatabase(options: LocalDatabaseOptions): Promise<LocalDatabase> {
  const temporary = options.dataDir === undefined;
  const dataDir = options.dataDir
    ? path.resolve(PROJECT_ROOT, options.dataDir)
    : mkdtempSync(path.join(os.tmpdir(), 'cloakroom-db-'));

  const shared = temporary ? undefined : alreadyRunning(dataDir);
  if (shared) {
    options.logger.info(
      `Local database: using the one process ${shared.pid} already runs for ${path.relative(PROJECT_ROOT, dataDir) || dataDir}: ${databaseUri(shared.serverUri, DEFAULT_DB_NAME)}`,
    );
    // not ours to stop, pause or restart
    const notOurs = { ...shared, dataDir, stop: () => Promise.resolve() };
    return withUri(notOurs, () => Promise.resolve(notOurs));
  }

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

  const recordPath = path.join(dataDir, RECORD_FILE);
  if (!temporary) {
    const { engine, description, serverUri, port } = running;
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(recordPath, JSON.stringify({ pid: process.pid, engine, description, serverUri, port }));
  }

  const db = withUri(running, () => startEngine({ ...options, port: running.port }, dataDir));
  return {
    ...db,
    async stop() {
      await db.stop();
      if (temporary) rmSync(dataDir, { recursive: true, force: true });
      else rmSync(recordPath, { force: true });
    },
  };
}
