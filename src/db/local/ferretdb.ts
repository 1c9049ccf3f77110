// ferretdb: the stand-in for machines that have no mongod. A tiny Go module
// in tools/ferretdb embeds FerretDB (MongoDB wire protocol on SQLite) behind a
// proxy that makes single-document writes atomic, as MongoDB's are; it is
// built with `go build` on first use (with the fixes in patches.json) and the
// binary is cached next to it.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../../logger.js';
import { LocalDatabaseError, type RunningDatabase } from './types.js';
import { PROJECT_ROOT } from '../../paths.js';

const MODULE_DIR = path.join(PROJECT_ROOT, 'tools', 'ferretdb');
const START_TIMEOUT_MS = 30_000;

/** The Go module's own files: its sources and go.mod/go.sum. */
function goModuleFiles(): string[] {
  return readdirSync(MODULE_DIR).filter((file) => file.endsWith('.go') || file === 'go.mod' || file === 'go.sum');
}

// the cached binary is named after a hash of the module's sources and the
// patches, so a change to them (a FerretDB upgrade, say) triggers a rebuild
function binaryPath(): string {
  const hash = createHash('sha256');
  const sources = [...goModuleFiles(), 'patches.json'].sort();
  for (const file of sources) hash.update(file).update(readFileSync(path.join(MODULE_DIR, file)));
  return path.join(MODULE_DIR, 'bin', `ferretdb-${hash.digest('hex').slice(0, 12)}`);
}

interface SourcePatch {
  why: string;
  file: string;
  find: string;
  replace: string;
  count: number;
}

/** Runs `go` without blocking the event loop, so log lines and progress reach the terminal meanwhile. */
function run(args: string[], cwd: string): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('go', args, {
      cwd,
      // GOTOOLCHAIN=local: build with the Go that is installed, never download another
      env: { ...process.env, GOTOOLCHAIN: 'local', CGO_ENABLED: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', (err) => resolve({ ok: false, output: err.message }));
    child.once('close', (code) => resolve({ ok: code === 0, output: output.trim() }));
  });
}

/**
 * FerretDB 1.24 is the last release with the SQLite backend, so fixes for it
 * come as patches (tools/ferretdb/patches.json) applied to a vendored copy.
 */
function applyPatches(vendorDir: string): void {
  const { patches } = JSON.parse(readFileSync(path.join(MODULE_DIR, 'patches.json'), 'utf8')) as { patches: SourcePatch[] };
  for (const patch of patches) {
    const file = path.join(vendorDir, patch.file);
    const source = readFileSync(file, 'utf8');
    const found = source.split(patch.find).length - 1;
    if (found !== patch.count) {
      throw new LocalDatabaseError(
        `A FerretDB patch no longer fits ${patch.file}: expected ${patch.count} × ${JSON.stringify(patch.find)}, found ${found}. Update tools/ferretdb/patches.json for this FerretDB version.`,
      );
    }
    writeFileSync(file, source.split(patch.find).join(patch.replace));
  }
}

/** Builds in a scratch copy of the module: vendor the dependencies, patch them, compile. */
async function goBuild(output: string, extraArgs: string[], step: (what: string) => void): Promise<{ ok: boolean; output: string }> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'cloakroom-ferretdb-'));
  try {
    for (const file of goModuleFiles()) copyFileSync(path.join(MODULE_DIR, file), path.join(scratch, file));
    step('fetching Go modules');
    const vendor = await run(['mod', 'vendor'], scratch);
    if (!vendor.ok) return vendor;
    applyPatches(path.join(scratch, 'vendor'));
    step('compiling');
    return await run(['build', '-mod=vendor', '-trimpath', ...extraArgs, '-o', output, '.'], scratch);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

// a first build takes 1-3 minutes: say that it is still going this often
const PROGRESS_EVERY_MS = 15_000;
// a lock older than this belongs to a build that died
const STALE_LOCK_MS = 10 * 60_000;

/** Logs "still …" every PROGRESS_EVERY_MS until stopped, with the seconds so far. */
function progress(logger: Logger, doing: () => string): () => number {
  const started = Date.now();
  const seconds = () => Math.round((Date.now() - started) / 1000);
  const timer = setInterval(() => logger.info(`…still ${doing()} (${seconds()} s so far)`), PROGRESS_EVERY_MS);
  return () => {
    clearInterval(timer);
    return seconds();
  };
}

/** Takes the build lock, or says that another process holds it. */
function takeBuildLock(lock: string): boolean {
  try {
    writeFileSync(lock, String(process.pid), { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    let age: number;
    try {
      age = Date.now() - statSync(lock).mtimeMs;
    } catch {
      // released meanwhile
      return takeBuildLock(lock);
    }
    if (age > STALE_LOCK_MS) {
      rmSync(lock, { force: true });
      return takeBuildLock(lock);
    }
    return false;
  }
}

/**
 * The stand-in's binary, built on first use. Several processes may want it at
 * once (the test runner starts one per test file): one builds, the others
 * wait for it, and everyone says what is happening while they wait.
 */
export async function ensureFerretDbBinary(logger: Logger): Promise<string> {
  const target = binaryPath();
  if (existsSync(target)) return target;
  mkdirSync(path.dirname(target), { recursive: true });
  const lock = `${target}.lock`;

  if (!takeBuildLock(lock)) {
    logger.info('Another process is building the FerretDB stand-in (first run only: about 1-3 minutes); waiting for it');
    const done = progress(logger, () => 'waiting for the FerretDB stand-in to be built');
    try {
      while (!existsSync(target)) {
        if (!existsSync(lock)) return await ensureFerretDbBinary(logger);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    } finally {
      done();
    }
    return target;
  }

  try {
    const go = await run(['version'], PROJECT_ROOT);
    if (!go.ok) {
      throw new LocalDatabaseError(
        'No local database could be started: there is no mongod, and Go (needed once to build the FerretDB stand-in) is not installed.',
      );
    }
    logger.info(
      `Building the FerretDB stand-in with ${go.output} (first run only: about 1-3 minutes; later runs reuse ${path.relative(PROJECT_ROOT, target)})`,
    );
    let step = 'starting';
    const done = progress(logger, () => `building the FerretDB stand-in: ${step}`);
    const onStep = (what: string) => {
      step = what;
      logger.info(`FerretDB stand-in: ${what}…`);
    };
    // build to a temporary name and rename: a process that finds the binary
    // never sees a half-written one
    const partial = `${target}.${process.pid}.partial`;
    try {
      let build = await goBuild(partial, [], onStep);
      if (!build.ok && /linkname/i.test(build.output)) {
        // newer Go releases refuse some dependencies' //go:linkname uses
        logger.warn('Go refused a //go:linkname in a dependency; building again with -ldflags=-checklinkname=0');
        build = await goBuild(partial, ['-ldflags=-checklinkname=0'], onStep);
      }
      if (!build.ok) {
        rmSync(partial, { force: true });
        throw new LocalDatabaseError(`Building the FerretDB stand-in failed:\n${build.output}`);
      }
      renameSync(partial, target);
      logger.info(`FerretDB stand-in built in ${done()} s`);
    } finally {
      done();
    }
    return target;
  } finally {
    rmSync(lock, { force: true });
  }
}

export async function startFerretDb(options: {
  dataDir: string;
  logger: Logger;
  port?: number;
}): Promise<RunningDatabase> {
  const binary = await ensureFerretDbBinary(options.logger);
  mkdirSync(options.dataDir, { recursive: true });

  const child = spawn(
    binary,
    ['-dir', options.dataDir, '-listen', `127.0.0.1:${options.port ?? 0}`, '-watch-stdin'],
    // stdin stays an open pipe: when this process dies, FerretDB sees EOF and exits too
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );

  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
    if (stderr.length > 20_000) stderr = stderr.slice(-10_000);
  });

  const uri = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new LocalDatabaseError(`FerretDB did not start within ${START_TIMEOUT_MS / 1000} s.\n${stderr}`));
    }, START_TIMEOUT_MS);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      const match = /MONGODB_URI=(\S+)/.exec(stdout);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new LocalDatabaseError(`FerretDB could not be started: ${err.message}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new LocalDatabaseError(`FerretDB exited with code ${code} before it was ready.\n${stderr}`));
    });
  });

  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null) resolve();
    else child.once('exit', () => resolve());
  });

  return {
    engine: 'ferretdb',
    description: 'FerretDB 1.24 (MongoDB wire protocol on SQLite)',
    serverUri: uri,
    port: Number(new URL(uri).port),
    dataDir: options.dataDir,
    serverPid: child.pid,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}
