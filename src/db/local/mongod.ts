// mongod: a real MongoDB server through mongodb-memory-server, when a binary
// is installed (MONGOMS_SYSTEM_BINARY), cached, or can be downloaded.
import { lookup } from 'node:dns/promises';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../logger.js';
import { PROJECT_ROOT } from '../../paths.js';
import type { RunningDatabase } from './types.js';

const DOWNLOAD_HOST = 'fastdl.mongodb.org';
// after a failed download attempt, offline runs skip mongod for a day
// instead of waiting on the network every time
const MARKER = path.join(PROJECT_ROOT, 'node_modules', '.cache', 'cloakroom', 'mongod-download-failed');
const RETRY_AFTER_MS = 24 * 60 * 60 * 1000;

async function mms() {
  // loaded lazily: it is a development dependency, and most runs never need it
  return import('mongodb-memory-server-core');
}

async function defaultVersion(): Promise<string> {
  const { resolveConfig, ResolveConfigVariables, DEFAULT_VERSION } = await import(
    'mongodb-memory-server-core/lib/util/resolveConfig.js'
  );
  return resolveConfig(ResolveConfigVariables.VERSION) ?? DEFAULT_VERSION;
}

/** The path of a mongod that needs no download, or undefined. */
export async function findInstalledMongod(): Promise<string | undefined> {
  try {
    const { DryMongoBinary } = await mms();
    return await DryMongoBinary.locateBinary({ version: await defaultVersion() });
  } catch {
    return undefined;
  }
}

/** Whether a download is worth trying: not failed recently, and the host resolves quickly. */
export async function mongodDownloadLooksPossible(logger: Logger): Promise<boolean> {
  try {
    const failedAt = Number(readFileSync(MARKER, 'utf8'));
    if (Date.now() - failedAt < RETRY_AFTER_MS) return false;
  } catch {
    // no marker: never failed here
  }
  const reachable = await Promise.race([
    lookup(DOWNLOAD_HOST).then(
      () => true,
      () => false,
    ),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 3000).unref()),
  ]);
  if (!reachable) rememberDownloadFailure(logger, `${DOWNLOAD_HOST} cannot be resolved`);
  return reachable;
}

export function rememberDownloadFailure(logger: Logger, reason: string): void {
  logger.info(`No mongod download (${reason}); runs in the next 24 hours skip this check`);
  try {
    mkdirSync(path.dirname(MARKER), { recursive: true });
    writeFileSync(MARKER, String(Date.now()));
  } catch {
    // a read-only checkout only means the check runs again next time
  }
}

export async function startMongod(options: {
  dataDir: string;
  logger: Logger;
  port?: number;
}): Promise<RunningDatabase> {
  const { MongoMemoryServer } = await mms();
  mkdirSync(options.dataDir, { recursive: true });
  const version = await defaultVersion();
  if (!(await findInstalledMongod())) {
    options.logger.info(`Downloading mongod ${version} (once, about 70-100 MB; later runs use the cache)`);
  }
  const server = await MongoMemoryServer.create({
    instance: {
      ip: '127.0.0.1',
      dbPath: options.dataDir,
      storageEngine: 'wiredTiger',
      ...(options.port ? { port: options.port, portGeneration: false } : {}),
    },
  });
  const uri = server.getUri();
  return {
    engine: 'mongod',
    description: `mongod ${version} (mongodb-memory-server)`,
    serverUri: uri.endsWith('/') ? uri : `${uri}/`,
    port: Number(new URL(uri).port),
    dataDir: options.dataDir,
    serverPid: server.instanceInfo?.instance.mongodProcess?.pid,
    async stop() {
      // keep the data directory: it is either .data/ (kept on purpose) or a temp dir we remove
      await server.stop({ doCleanup: false });
    },
  };
}
