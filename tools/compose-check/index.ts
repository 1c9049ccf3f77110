// compose-check from Node: builds the Go program in this folder on first use
// (cached in bin/, named by a hash of its sources, so an edit or a compose-go
// upgrade rebuilds it) and runs it on a project directory.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';

const MODULE_DIR = import.meta.dirname;

function binaryPath(): string {
  const hash = createHash('sha256');
  const sources = readdirSync(MODULE_DIR)
    .filter((file) => file.endsWith('.go') || file === 'go.mod' || file === 'go.sum')
    .sort();
  for (const file of sources) hash.update(file).update(readFileSync(path.join(MODULE_DIR, file)));
  return path.join(MODULE_DIR, 'bin', `compose-check-${hash.digest('hex').slice(0, 12)}`);
}

/** The compose-check binary, built with the installed Go (GOTOOLCHAIN=local) when missing. */
export function ensureComposeCheck(): string {
  const target = binaryPath();
  if (existsSync(target)) return target;
  mkdirSync(path.dirname(target), { recursive: true });
  // a temporary name, then a rename: two test files building at once never
  // see a half-written binary
  const partial = `${target}.${process.pid}.partial`;
  const build = spawnSync('go', ['build', '-trimpath', '-o', partial, '.'], {
    cwd: MODULE_DIR,
    env: { ...process.env, GOTOOLCHAIN: 'local', CGO_ENABLED: '0' },
    encoding: 'utf8',
  });
  if (build.error || build.status !== 0) {
    rmSync(partial, { force: true });
    const reason = build.error
      ? `Go is needed to build tools/compose-check (${build.error.message}): install Go 1.24 or newer`
      : `go build failed in tools/compose-check:\n${build.stdout}${build.stderr}`;
    throw new Error(reason);
  }
  renameSync(partial, target);
  return target;
}

export type ComposeResult = { ok: true; project: ComposeProject } | { ok: false; message: string };

/**
 * Loads <projectDir>/<file> the way `docker compose config` does. `env` is
 * the whole environment the loader sees (besides the project's .env).
 */
export function loadComposeProject(options: { projectDir: string; file?: string; env: NodeJS.ProcessEnv }): ComposeResult {
  const run = spawnSync(
    ensureComposeCheck(),
    ['-project-dir', options.projectDir, '-file', options.file ?? 'docker-compose.yml'],
    { env: options.env, encoding: 'utf8' },
  );
  if (run.error) return { ok: false, message: run.error.message };
  if (run.status !== 0) return { ok: false, message: run.stderr.trim() };
  return { ok: true, project: JSON.parse(run.stdout) as ComposeProject };
}

// the parts of compose-go's normalized project that the tests read
export interface ComposeProject {
  name: string;
  services: Record<string, ComposeService>;
  networks?: Record<string, { name?: string; ipam?: { config?: { subnet?: string }[] } }>;
  volumes?: Record<string, { name?: string }>;
}

export interface ComposeService {
  profiles?: string[];
  image?: string;
  build?: { context: string; dockerfile: string; target?: string };
  environment?: Record<string, string | null>;
  ports?: { target: number; published?: string; host_ip?: string; protocol?: string }[];
  expose?: string[];
  networks?: Record<string, { ipv4_address?: string; aliases?: string[] } | null>;
  volumes?: { type: string; source?: string; target: string; read_only?: boolean }[];
  depends_on?: Record<string, { condition: string; required?: boolean }>;
  deploy?: { replicas?: number };
}

/** Whether an IPv4 address lies in a subnet written as a.b.c.d/n. */
export function inSubnet(address: string, cidr: string): boolean {
  const toNumber = (ip: string) => ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
  const [base = '', bits = '32'] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  return Math.floor(toNumber(address) / size) === Math.floor(toNumber(base) / size);
}
