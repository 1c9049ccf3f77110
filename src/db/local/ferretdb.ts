// ferretdb: the stand-in for machines that have no mongod. A tiny Go module
// in tools/ferretdb embeds FerretDB (MongoDB wire protocol on SQLite) behind a
// proxy that makes single-document writes atomic, as MongoDB's are; it is
// built with `go build` on first use (with the fixes in patches.json) and the
// binary is cached next to it.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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

function run(args: string[], cwd: string): { ok: boolean; output: string } {
  const result = spawnSync('go', args, {
    cwd,
    // GOTOOLCHAIN=local: build with the Go that is installed, never download another
    env: { ...process.env, GOTOOLCHAIN: 'local', CGO_ENABLED: '0' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (result.error) return { ok: false, output: result.error.message };
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}`.trim() };
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
function goBuild(output: string, extraArgs: string[]): { ok: boolean; output: string } {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'cloakroom-ferretdb-'));
  try {
    for (const file of goModuleFiles()) copyFileSync(path.join(MODULE_DIR, file), path.join(scratch, file));
    const vendor = run(['mod', 'vendor'], scratch);
    if (!vendor.ok) return vendor;
    applyPatches(path.join(scratch, 'vendor'));
    return run(['build', '-mod=vendor', '-trimpath', ...extraArgs, '-o', output, '.'], scratch);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export function ensureFerretDbBinary(logger: Logger): string {
  const target = binaryPath();
  if (existsSync(target)) return target;

  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.error || go.status !== 0) {
    throw new LocalDatabaseError(
      'No local database could be started: there is no mongod, and Go (needed once to build the FerretDB stand-in) is not installed.',
    );
  }

  mkdirSync(path.dirname(target), { recursive: true });
  logger.info(
    `Building the FerretDB stand-in with ${go.stdout.trim()} (first run only: about 1-3 minutes, it downloads Go modules and compiles; later runs reuse ${path.relative(PROJECT_ROOT, target)})`,
  );
  // build to a temporary name and rename: two processes building at once
  // (the app and the tests, say) never see a half-written binary
  const partial = `${target}.${process.pid}.partial`;
  let build = goBuild(partial, []);
  if (!build.ok && /linkname/i.test(build.output)) {
    // newer Go releases refuse some dependencies' //go:linkname uses
    logger.warn('Go refused a //go:linkname in a dependency; building again with -ldflags=-checklinkname=0');
    build = goBuild(partial, ['-ldflags=-checklinkname=0']);
  }
  if (!build.ok) {
    rmSync(partial, { force: true });
    throw new LocalDatabaseError(`Building the FerretDB stand-in failed:\n${build.output}`);
  }
  renameSync(partial, target);
  logger.info('FerretDB stand-in built');
  return target;
}

export async function startFerretDb(options: {
  dataDir: string;
  logger: Logger;
  port?: number;
}): Promise<RunningDatabase> {
  const binary = ensureFerretDbBinary(options.logger);
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
