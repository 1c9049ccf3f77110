// npm run bench:profile: where the production build spends its CPU on a page
// under load, by owner (each npm package, Node itself, our own code), from a
// V8 CPU profile. docs/benchmarks.md keeps the tables; the ratios live in
// npm run bench. Loopback only, about 40 seconds:
//
//   npm run build && npm run bench:profile            the logged-in dashboard
//   npm run build && npm run bench:profile -- home    GET / without a cookie
import { execFileSync, fork } from 'node:child_process';
import { mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { startLocalDatabase } from '../../src/db/local/index.js';
import { Client } from '../../test/helpers/client.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const PAGES = { dashboard: '/dashboard', home: '/' } as const;
const page = (process.argv[2] ?? 'dashboard') as keyof typeof PAGES;
if (!(page in PAGES)) throw new Error(`profile what? ${Object.keys(PAGES).join(' or ')}`);
const SECONDS = Number(process.env.PROFILE_SECONDS ?? 20);
const HTTPS = { 'x-forwarded-proto': 'https' };

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
}

/** Who a function belongs to: an npm package, Node's own code, ours, or V8's (GC, idle, the program). */
function ownerOf(url: string, functionName: string): string {
  if (url === '') return functionName === '(idle)' ? '(idle)' : functionName === '(garbage collector)' ? 'garbage collector' : 'V8 and native code';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + '/node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1] ?? ''}` : (rest[0] ?? url);
  }
  if (url.startsWith('node:')) return `Node (${url.slice(5).split('/')[0] ?? ''})`;
  if (url.includes('/dist/')) return 'Cloakroom (dist/)';
  return url;
}

/** Self time per owner, as a share of the busy samples (idle left out). */
function owners(profile: Profile): [string, number][] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const counts = new Map<string, number>();
  let busy = 0;
  for (const id of profile.samples) {
    const node = byId.get(id);
    if (!node) continue;
    const owner = ownerOf(node.callFrame.url, node.callFrame.functionName);
    if (owner === '(idle)') continue;
    busy += 1;
    counts.set(owner, (counts.get(owner) ?? 0) + 1);
  }
  return [...counts].map(([owner, n]): [string, number] => [owner, n / Math.max(busy, 1)]).sort((a, b) => b[1] - a[1]);
}

/** A port nothing listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Waits for the server's liveness check to answer (its log is in a file, not read here). */
async function ready(url: string, deadline = Date.now() + 60_000): Promise<void> {
  for (;;) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within a minute`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const logger = pino({ level: 'warn' });
console.log(`Profiling ${PAGES[page]} of the production build for ${SECONDS} s (about ${SECONDS + 20} s in all)...`);
const db = await startLocalDatabase({ engine: 'auto', dataDir: undefined, logger });
const profileDir = mkdtempSync(path.join(os.tmpdir(), 'cloakroom-profile-'));
try {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const app = fork(path.join(ROOT, 'dist/server.js'), [], {
    cwd: ROOT,
    execArgv: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`],
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PORT: String(port),
      LOG_LEVEL: 'info',
      MONGODB_URI: db.uri('profile'),
      SESSION_SECRET: 'profile-secret-'.padEnd(40, 'x'),
      PASSWORD_PEPPER: 'profile-pepper-'.padEnd(40, 'x'),
      TWO_FACTOR_KEY: 'profile-two-factor-key-'.padEnd(40, 'x'),
      TRUST_PROXY: 'loopback',
      PUBLIC_URL: 'https://localhost',
      EMAIL: 'off',
    },
    // the production log (one line a request) goes to a file, as a container's
    // log driver keeps it: a pipe read by this process would be slower than
    // any real log collector, and pino would wait for it
    stdio: ['ignore', openSync(path.join(profileDir, 'server.log'), 'w'), 'pipe', 'ipc'],
  });
  await ready(url);
  const client = new Client(url, HTTPS);
  await client.register('profiled', 'a profiling passphrase');
  const headers = page === 'dashboard' ? { ...HTTPS, cookie: client.cookieHeader() } : HTTPS;
  const args = [path.join(ROOT, 'node_modules/autocannon/autocannon.js'), '-j', '-c', '10', '-d', String(SECONDS)];
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}=${value}`);
  const run = JSON.parse(execFileSync(process.execPath, [...args, `${url}${PAGES[page]}`], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })) as {
    requests: { average: number };
    non2xx: number;
  };
  // SIGTERM: the server shuts down cleanly, and V8 writes the profile on exit
  await new Promise<void>((resolve) => {
    app.once('exit', () => resolve());
    app.kill('SIGTERM');
  });
  const file = readdirSync(profileDir).find((name) => name.endsWith('.cpuprofile'));
  if (!file) throw new Error('no profile written');
  const profile = JSON.parse(readFileSync(path.join(profileDir, file), 'utf8')) as Profile;
  console.log(`${PAGES[page]}: ${run.requests.average.toFixed(0)} requests/s, ${run.non2xx} not 2xx\n`);
  console.log('| Owner | Share of the busy main thread |\n| --- | --- |');
  for (const [owner, share] of owners(profile).slice(0, 25)) console.log(`| ${owner} | ${(share * 100).toFixed(1)} % |`);
} finally {
  rmSync(profileDir, { recursive: true, force: true });
  await db.stop();
}
