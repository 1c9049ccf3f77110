// npm run bench: measures every page against its ceilings on this machine,
// loopback only, in a few minutes, and writes docs/benchmarks.md.
import { execFileSync, execSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import bcrypt from 'bcrypt';
import { pino } from 'pino';
import { startLocalDatabase } from '../../src/db/local/index.js';
import { Client } from '../../test/helpers/client.js';
import { waitForListening } from '../listening.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const DURATION = Number(process.env.BENCH_SECONDS ?? 4);
const CONNECTIONS = 10;
const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 50_000);
const HTTPS = { 'x-forwarded-proto': 'https' };

interface Run {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
}

function autocannon(url: string, options: { headers?: Record<string, string>; connections?: number; seconds?: number; amount?: number }): Run {
  const args = [path.join(ROOT, 'node_modules/autocannon/autocannon.js'), '-j', '-c', String(options.connections ?? CONNECTIONS)];
  if (options.amount) args.push('-a', String(options.amount));
  else args.push('-d', String(options.seconds ?? DURATION));
  for (const [k, v] of Object.entries(options.headers ?? {})) args.push('-H', `${k}=${v}`);
  args.push(url);
  const json = JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })) as {
    requests: { average: number };
    latency: { p50: number; p99: number };
    non2xx: number;
  };
  return { rps: json.requests.average, p50: json.latency.p50, p99: json.latency.p99, non2xx: json.non2xx };
}

interface AppProcess {
  url: string;
  ask(message: string): Promise<{ commands: number; eventLoopDelayP99Ms: number; rssBytes: number }>;
  stop(): Promise<void>;
}

async function startApp(env: Record<string, string>): Promise<AppProcess> {
  const child = fork(path.join(ROOT, 'tools/bench/app-server.ts'), [], {
    cwd: ROOT,
    execArgv: ['--expose-gc', '--import', 'tsx'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const url = await waitForListening(child);
  return {
    url,
    ask: (message) =>
      new Promise((resolve) => {
        child.once('message', (reply) => resolve(reply as never));
        child.send(message);
      }),
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.send('stop');
      }),
  };
}

async function main(): Promise<void> {
  console.log('Building the production app...');
  execSync('npm run -s build', { cwd: ROOT, stdio: 'inherit' });
  const db = await startLocalDatabase({ engine: 'auto', dataDir: undefined, logger: pino({ level: 'warn' }) });

  // the machine's bcrypt limit: cores ÷ the time of one hash at the production cost
  const hashes = 6;
  const t0 = performance.now();
  for (let i = 0; i < hashes; i += 1) await bcrypt.hash('a password for timing', 12);
  const hashMs = (performance.now() - t0) / hashes;
  const cores = os.availableParallelism();
  const bcryptLimit = (cores / hashMs) * 1000;

  const ceilings: Record<string, string> = {};
  const helpers: ChildProcess[] = [];
  for (const name of ['hello-node', 'hello-express']) {
    const child = spawn(process.execPath, ['--import', 'tsx', `tools/bench/${name}.ts`], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    helpers.push(child);
    ceilings[name] = await waitForListening(child);
  }

  const appEnv = {
    NODE_ENV: 'production',
    PORT: '0',
    LOG_LEVEL: 'warn',
    MONGODB_URI: db.uri('bench'),
    SESSION_SECRET: 'bench-secret-'.padEnd(40, 'x'),
    PASSWORD_PEPPER: 'bench-pepper-'.padEnd(40, 'x'),
    BCRYPT_COST: '12',
    TRUST_PROXY: 'loopback',
    REGISTRATIONS_PER_IP_PER_HOUR: '1000000',
    LOGIN_MAX_FAILURES_PER_IP_PER_DAY: '1000000',
  };
  const mongoApp = await startApp(appEnv);
  const memoryApp = await startApp({ ...appEnv, BENCH_STORE: 'memory' });

  async function loggedIn(app: AppProcess, name: string) {
    const client = new Client(app.url, HTTPS);
    const password = 'a benchmark passphrase';
    await client.register(name, password);
    return { cookie: client.cookieHeader(), client, name, password };
  }
  const mongoUser = await loggedIn(mongoApp, 'bench_mongo');
  const memoryUser = await loggedIn(memoryApp, 'bench_memory');
  const stormUser = await loggedIn(mongoApp, 'bench_storm');

  const rows: { name: string; runs: Run[]; ceiling: string; ratio: (r: Run) => number | undefined }[] = [];
  const measure = (name: string, url: string, headers: Record<string, string> = {}) => {
    const runs = [autocannon(url, { headers }), autocannon(url, { headers })];
    console.log(`${name}: ${runs.map((r) => `${Math.round(r.rps)}/s p99 ${r.p99} ms`).join(', ')}`);
    return runs;
  };
  const node = measure('node', ceilings['hello-node'] ?? '');
  const express = measure('express', ceilings['hello-express'] ?? '');
  const expressRps = Math.max(...express.map((r) => r.rps));
  const nodeRps = Math.max(...node.map((r) => r.rps));
  const dashboardMemory = measure('dash-mem', `${memoryApp.url}/dashboard`, { ...HTTPS, cookie: memoryUser.cookie });
  const dashboardMemoryRps = Math.max(...dashboardMemory.map((r) => r.rps));
  rows.push({ name: '`node:http` hello (ceiling)', runs: node, ceiling: '—', ratio: () => undefined });
  rows.push({ name: 'Express hello (ceiling)', runs: express, ceiling: 'node:http', ratio: (r) => r.rps / nodeRps });
  rows.push({ name: '`GET /` anonymous', runs: measure('home', `${mongoApp.url}/`, HTTPS), ceiling: 'Express hello', ratio: (r) => r.rps / expressRps });
  rows.push({ name: '`GET /login` (stores a session for its CSRF token)', runs: measure('login', `${mongoApp.url}/login`, HTTPS), ceiling: 'Express hello', ratio: (r) => r.rps / expressRps });
  rows.push({ name: '`GET /css/site.css`', runs: measure('css', `${mongoApp.url}/css/site.css`, HTTPS), ceiling: 'Express hello', ratio: (r) => r.rps / expressRps });
  rows.push({ name: '`GET /dashboard`, in-memory store', runs: dashboardMemory, ceiling: 'Express hello', ratio: (r) => r.rps / expressRps });
  rows.push({
    name: '`GET /dashboard`, MongoDB store',
    runs: measure('dash', `${mongoApp.url}/dashboard`, { ...HTTPS, cookie: mongoUser.cookie }),
    ceiling: 'dashboard, in-memory',
    ratio: (r) => r.rps / dashboardMemoryRps,
  });

  // database commands per request
  const perRequest: [string, number][] = [];
  for (const [label, pathname, client] of [
    ['`GET /` anonymous', '/', new Client(mongoApp.url, HTTPS)],
    ['`GET /css/site.css`', '/css/site.css', new Client(mongoApp.url, HTTPS)],
    ['`GET /healthz`', '/healthz', new Client(mongoApp.url, HTTPS)],
    ['`GET /login` anonymous', '/login', undefined],
    ['`GET /dashboard` logged in', '/dashboard', mongoUser.client],
  ] as const) {
    await mongoApp.ask('reset');
    for (let i = 0; i < 20; i += 1) await (await (client ?? new Client(mongoApp.url, HTTPS)).get(pathname)).arrayBuffer();
    perRequest.push([label, (await mongoApp.ask('report')).commands / 20]);
  }

  // a login storm: logins at the production cost, and the dashboard meanwhile
  const quiet = autocannon(`${mongoApp.url}/dashboard`, { headers: { ...HTTPS, cookie: stormUser.cookie }, connections: 2, seconds: 6 });
  await mongoApp.ask('reset');
  const storm = spawn(
    process.execPath,
    ['--import', 'tsx', 'tools/bench/login-load.ts', mongoApp.url, mongoUser.name, mongoUser.password, '8', '8'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let stormOutput = '';
  storm.stdout.on('data', (chunk: Buffer) => (stormOutput += chunk.toString()));
  const stormDone = new Promise<void>((resolve) => storm.once('exit', () => resolve()));
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const during = autocannon(`${mongoApp.url}/dashboard`, { headers: { ...HTTPS, cookie: stormUser.cookie }, connections: 2, seconds: 6 });
  await stormDone;
  const eld = (await mongoApp.ask('report')).eventLoopDelayP99Ms;
  const stormResult = JSON.parse(stormOutput) as { requests: { total: number }; duration: number; statusCodeStats: Record<string, { count: number }> };
  const logins = (stormResult.statusCodeStats['303']?.count ?? 0) / stormResult.duration;

  // memory: sessions live in MongoDB, not in the process
  const rssBefore = (await mongoApp.ask('report')).rssBytes;
  console.log(`Creating ${SESSIONS} sessions (GET /login)...`);
  autocannon(`${mongoApp.url}/login`, { headers: HTTPS, connections: 32, amount: SESSIONS });
  const rssAfter = (await mongoApp.ask('report')).rssBytes;

  await Promise.all([mongoApp.stop(), memoryApp.stop()]);
  for (const child of helpers) child.kill();
  await db.stop();

  const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  const lines: string[] = [];
  lines.push(`# Benchmarks`, '');
  lines.push(
    `Measured by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: ${cores} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), ${fmt(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, the production build, the local database (${db.description}), autocannon in a separate process with ${CONNECTIONS} connections for ${DURATION} s per run, two runs per case (this machine is noisy).`,
    '',
  );
  lines.push('| Case | Run | Requests/s | p50 ms | p99 ms | Ratio | Ratio to |', '| --- | --- | --- | --- | --- | --- | --- |');
  for (const row of rows) {
    row.runs.forEach((run, i) => {
      const ratio = row.ratio(run);
      lines.push(`| ${row.name} | ${i + 1} | ${fmt(run.rps)} | ${run.p50} | ${run.p99} | ${ratio === undefined ? '—' : fmt(ratio, 2)} | ${row.ceiling} |`);
    });
  }
  lines.push('', '| Database commands per request | Commands |', '| --- | --- |');
  for (const [label, n] of perRequest) lines.push(`| ${label} | ${fmt(n, 1)} |`);
  lines.push('', '| Logins at bcrypt cost 12 | Value |', '| --- | --- |');
  lines.push(`| One hash | ${fmt(hashMs, 1)} ms |`);
  lines.push(`| Machine limit (${cores} cores ÷ one hash) | ${fmt(bcryptLimit, 1)} logins/s |`);
  lines.push(`| Measured (\`POST /login\`, 8 connections, 8 s) | ${fmt(logins, 1)} logins/s (${fmt(logins / bcryptLimit, 2)}× the limit) |`);
  lines.push(`| Event-loop delay p99 during the storm | ${fmt(eld, 1)} ms |`);
  lines.push(`| Dashboard p50 / p99, quiet (2 connections) | ${quiet.p50} / ${quiet.p99} ms |`);
  lines.push(`| Dashboard p50 / p99, during the storm | ${during.p50} / ${during.p99} ms (${fmt(during.p99 / Math.max(quiet.p99, 1), 2)}× quiet) |`);
  lines.push('', '| Memory | RSS |', '| --- | --- |');
  lines.push(`| Before ${fmt(SESSIONS)} sessions | ${fmt(rssBefore / 2 ** 20, 1)} MiB |`);
  lines.push(`| After ${fmt(SESSIONS)} sessions | ${fmt(rssAfter / 2 ** 20, 1)} MiB (${fmt(((rssAfter - rssBefore) / rssBefore) * 100, 1)} %) |`);
  const report = `${lines.join('\n')}\n`;
  mkdirSync(path.join(ROOT, 'docs'), { recursive: true });
  writeFileSync(path.join(ROOT, 'docs/benchmarks.md'), report);
  console.log(`\n${report}`);
}

await main();
