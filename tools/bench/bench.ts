// npm run bench: measures every page against its ceilings on this machine,
// loopback only, in a few minutes, and writes docs/benchmarks.md.
import { execFileSync, execSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import bcrypt from 'bcrypt';
import { MongoClient } from 'mongodb';
import { pino } from 'pino';
import { startLocalDatabase } from '../../src/db/local/index.js';
import { Client } from '../../test/helpers/client.js';
import { waitForListening } from '../listening.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const DURATION = Number(process.env.BENCH_SECONDS ?? 4);
const CONNECTIONS = 10;
const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 50_000);
const STORM_SECONDS = 15;
// logins per second are counted from 3 s to 13 s into the storm
const STEADY_FROM_S = 3;
const STEADY_SECONDS = 10;
const STORM_CONNECTIONS = 8;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

/**
 * The peers, for reference: hackathon-starter v10 (Express, Passport,
 * connect-mongo) and a seed-style app (Express 5, express-session and
 * connect-mongo with their defaults, one Pug page, about 60 lines), measured
 * side by side with Cloakroom on this machine in late November 2026: one
 * FerretDB for all, production mode, autocannon with 10 connections, 3
 * interleaved rounds, each figure a ratio to Express hello in the same round.
 * They are not re-run here (neither is in this repository); the goal for
 * each page is 1.5× hackathon-starter's best.
 */
const PEERS = {
  home: { page: '`GET /` anonymous', hackathonStarter: [0.08, 0.1], seedStyle: '0.43–0.59' },
  login: { page: '`GET /login`', hackathonStarter: [0.058, 0.08], seedStyle: '0.47–0.50 (no session)' },
  css: { page: 'the stylesheet', hackathonStarter: [0.01, 0.01], seedStyle: '—' },
  dashboard: { page: 'the logged-in page', hackathonStarter: [0.037, 0.044], seedStyle: '0.097–0.108' },
} as const;
const HTTPS = { 'x-forwarded-proto': 'https' };
const CLOCK_TICKS = Number(execSync('getconf CLK_TCK', { encoding: 'utf8' }).trim()) || 100;

const fmt = (n: number, digits = 0) =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '—';

/** CPU seconds a process has used so far, all its threads (Linux /proc). */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
    // utime and stime: fields 14 and 15 of the line, counted from "(comm)" as 2
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}

interface Run {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** CPU milliseconds per request: the server under test, and the database */
  appCpuMs: number;
  dbCpuMs: number;
}

interface Target {
  url: string;
  pid: number | undefined;
}

let dbPid: number | undefined;

function autocannon(
  target: Target,
  pathname: string,
  options: { headers?: Record<string, string>; connections?: number; seconds?: number; amount?: number } = {},
): Run {
  const args = [path.join(ROOT, 'node_modules/autocannon/autocannon.js'), '-j', '-c', String(options.connections ?? CONNECTIONS)];
  if (options.amount) args.push('-a', String(options.amount));
  else args.push('-d', String(options.seconds ?? DURATION));
  for (const [k, v] of Object.entries(options.headers ?? {})) args.push('-H', `${k}=${v}`);
  args.push(`${target.url}${pathname}`);
  const [app0, db0] = [cpuSeconds(target.pid), cpuSeconds(dbPid)];
  const json = JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })) as {
    requests: { average: number; total: number };
    latency: { p50: number; p99: number };
    non2xx: number;
    errors: number;
  };
  const [app1, db1] = [cpuSeconds(target.pid), cpuSeconds(dbPid)];
  const total = Math.max(json.requests.total, 1);
  return {
    rps: json.requests.average,
    p50: json.latency.p50,
    p99: json.latency.p99,
    errors: json.non2xx + json.errors,
    appCpuMs: ((app1 - app0) * 1000) / total,
    dbCpuMs: ((db1 - db0) * 1000) / total,
  };
}

interface AppProcess extends Target {
  ask(message: string): Promise<{ commands: number; logins: number; eventLoopDelayP99Ms: number; rssBytes: number; heapUsedBytes: number }>;
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
    pid: child.pid,
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

/**
 * The process's memory once a load is over: RSS right after a burst still
 * holds its buffers (and swings by ±30 % from one second to the next), so it
 * is sampled once a second, after a garbage collection, and the lowest kept.
 */
async function settledMemory(app: AppProcess, seconds = 15): Promise<{ rssBytes: number; heapUsedBytes: number }> {
  let rssBytes = Number.POSITIVE_INFINITY;
  let heapUsedBytes = 0;
  for (let i = 0; i < seconds; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const report = await app.ask('report');
    rssBytes = Math.min(rssBytes, report.rssBytes);
    heapUsedBytes = report.heapUsedBytes;
  }
  return { rssBytes, heapUsedBytes };
}

/** A login storm from a separate process; resolves with logins per second. */
function loginStorm(app: AppProcess, user: { name: string; password: string }): Promise<{ loginsPerSecond: number; failures: number }> {
  const storm = spawn(
    process.execPath,
    ['--import', 'tsx', 'tools/bench/login-load.ts', app.url, user.name, user.password, String(STORM_SECONDS), String(STORM_CONNECTIONS)],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let output = '';
  storm.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) =>
    storm.once('exit', () => {
      const result = JSON.parse(output) as { duration: number; statusCodeStats: Record<string, { count: number }> };
      const codes = Object.entries(result.statusCodeStats);
      const logins = codes.find(([code]) => code === '303')?.[1].count ?? 0;
      const failures = codes.filter(([code]) => !['200', '303'].includes(code)).reduce((n, [, s]) => n + s.count, 0);
      resolve({ loginsPerSecond: logins / result.duration, failures });
    }),
  );
}

/** bcrypt at the production cost: one hash's time, and hashes per second with `cores` hashing at once. */
async function timeBcrypt(cores: number): Promise<{ hashMs: number; allCoresPerSecond: number }> {
  const hash = () => bcrypt.hash('a password for timing', 12);
  const single = 4;
  const t0 = performance.now();
  for (let i = 0; i < single; i += 1) await hash();
  const hashMs = (performance.now() - t0) / single;
  // each of `cores` loops hashes until the time is up (bcrypt runs on libuv's threads)
  const seconds = 6;
  let done = 0;
  const t1 = performance.now();
  await Promise.all(
    Array.from({ length: cores }, async () => {
      while (performance.now() - t1 < seconds * 1000) {
        await hash();
        done += 1;
      }
    }),
  );
  return { hashMs, allCoresPerSecond: done / ((performance.now() - t1) / 1000) };
}

async function main(): Promise<void> {
  console.log('Building the production app...');
  execSync('npm run -s build', { cwd: ROOT, stdio: 'inherit' });
  // the stylesheet as pages link it: its content-hashed URL, from the build's manifest
  const manifest = JSON.parse(readFileSync(path.join(ROOT, 'dist/public/manifest.json'), 'utf8')) as Record<string, { hashedUrl: string }>;
  const stylesheet = manifest['/css/site.css']?.hashedUrl ?? '/css/site.css';
  const db = await startLocalDatabase({ engine: 'auto', dataDir: undefined, logger: pino({ level: 'warn' }) });
  dbPid = db.serverPid;

  const cores = os.availableParallelism();

  const helpers: ChildProcess[] = [];
  const ceilings: Record<string, Target> = {};
  for (const name of ['hello-node', 'hello-express']) {
    const child = spawn(process.execPath, ['--import', 'tsx', `tools/bench/${name}.ts`], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    helpers.push(child);
    ceilings[name] = { url: await waitForListening(child), pid: child.pid };
  }

  const appEnv = {
    NODE_ENV: 'production',
    PORT: '0',
    LOG_LEVEL: 'warn',
    MONGODB_URI: db.uri('bench'),
    SESSION_SECRET: 'bench-secret-'.padEnd(40, 'x'),
    PASSWORD_PEPPER: 'bench-pepper-'.padEnd(40, 'x'),
    TWO_FACTOR_KEY: 'bench-two-factor-key-'.padEnd(40, 'x'),
    BCRYPT_COST: '12',
    TRUST_PROXY: 'loopback',
    PUBLIC_URL: 'https://localhost',
    // the benchmark measures logins: no mail
    EMAIL: 'off',
    // the load comes from one address: its per-address limits out of the way
    REGISTRATIONS_PER_IP_PER_HOUR: '1000000',
    LOGIN_MAX_FAILURES_PER_IP_PER_DAY: '1000000',
    LOGIN_CHECKS_AT_ONCE_PER_IP: '10000',
    ANONYMOUS_SESSIONS_PER_IP_PER_HOUR: '10000000',
  };
  const mongoApp = await startApp(appEnv);
  const memoryApp = await startApp({ ...appEnv, BENCH_STORE: 'memory' });

  const password = 'a benchmark passphrase';
  async function loggedIn(app: AppProcess, name: string) {
    const client = new Client(app.url, HTTPS);
    await client.register(name, password);
    return { cookie: client.cookieHeader(), client, name, password };
  }
  // lesson zero: the same libraries in one file (examples/lesson-zero.ts), on the same database
  const lessonZero = spawn(process.execPath, ['--import', 'tsx', 'tools/bench/lesson-zero-server.ts'], {
    cwd: ROOT,
    env: { ...process.env, MONGODB_URI: db.uri('bench_lesson_zero') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  helpers.push(lessonZero);
  const lessonZeroTarget: Target = { url: await waitForListening(lessonZero), pid: lessonZero.pid };
  const lessonZeroClient = new Client(lessonZeroTarget.url);
  // no CSRF token in lesson zero: that is one of the things it leaves out
  await lessonZeroClient.post('/register', { username: 'bench_lesson_zero', password }, { csrf: false });
  const lessonZeroCookie = lessonZeroClient.cookieHeader();

  const mongoUser = await loggedIn(mongoApp, 'bench_mongo');
  const memoryUser = await loggedIn(memoryApp, 'bench_memory');
  const stormUser = await loggedIn(mongoApp, 'bench_storm');

  // pages, in rounds: each round runs the ceilings, then every page, so that
  // a page's ratio is to the Express hello of its own round (this machine's
  // speed drifts over minutes). The two dashboards and lesson zero's run
  // back to back, so a slow patch falls on both sides of their ratios too
  const rows: { name: string; runs: Run[]; ceiling: string; ratio: (r: Run, i: number) => number | undefined }[] = [];
  const best = (runs: Run[]) => Math.max(...runs.map((r) => r.rps));
  const nodeHello: Run[] = [];
  const expressHello: Run[] = [];
  const home: Run[] = [];
  const loginPage: Run[] = [];
  const css: Run[] = [];
  const dashboardMemory: Run[] = [];
  const dashboardMongo: Run[] = [];
  const dashboardLessonZero: Run[] = [];
  // warmed up first, unmeasured: the first seconds of a page run its code
  // cold (V8 compiles it as it goes) and fill the database's caches
  console.log('Warming up every page (about 10 s)...');
  for (const [target, pathname, headers] of [
    [ceilings['hello-express']!, '/', {}],
    [mongoApp, '/', HTTPS],
    [mongoApp, '/login', HTTPS],
    [mongoApp, stylesheet, HTTPS],
    [memoryApp, '/dashboard', { ...HTTPS, cookie: memoryUser.cookie }],
    [mongoApp, '/dashboard', { ...HTTPS, cookie: mongoUser.cookie }],
    [lessonZeroTarget, '/dashboard', { cookie: lessonZeroCookie }],
  ] as const) {
    autocannon(target, pathname, { headers, seconds: 1 });
  }
  for (let i = 0; i < ROUNDS; i += 1) {
    console.log(`Pages, round ${i + 1} of ${ROUNDS} (about ${9 * DURATION} s)...`);
    nodeHello.push(autocannon(ceilings['hello-node']!, '/'));
    expressHello.push(autocannon(ceilings['hello-express']!, '/'));
    home.push(autocannon(mongoApp, '/', { headers: HTTPS }));
    loginPage.push(autocannon(mongoApp, '/login', { headers: HTTPS }));
    css.push(autocannon(mongoApp, stylesheet, { headers: HTTPS }));
    dashboardMemory.push(autocannon(memoryApp, '/dashboard', { headers: { ...HTTPS, cookie: memoryUser.cookie } }));
    dashboardMongo.push(autocannon(mongoApp, '/dashboard', { headers: { ...HTTPS, cookie: mongoUser.cookie } }));
    dashboardLessonZero.push(autocannon(lessonZeroTarget, '/dashboard', { headers: { cookie: lessonZeroCookie } }));
    const hello = expressHello[i]?.rps ?? Number.NaN;
    console.log(`  Express hello ${Math.round(hello)}/s; / ${fmt((home[i]?.rps ?? 0) / hello, 2)}×, /login ${fmt((loginPage[i]?.rps ?? 0) / hello, 2)}×, dashboard ${fmt((dashboardMongo[i]?.rps ?? 0) / hello, 3)}×`);
  }
  const vsExpress = (r: Run, i: number) => r.rps / (expressHello[i]?.rps ?? Number.NaN);
  rows.push({ name: '`node:http` hello (ceiling)', runs: nodeHello, ceiling: '—', ratio: () => undefined });
  rows.push({ name: 'Express hello (ceiling)', runs: expressHello, ceiling: 'node:http (same round)', ratio: (r, i) => r.rps / (nodeHello[i]?.rps ?? Number.NaN) });
  rows.push({ name: '`GET /` anonymous', runs: home, ceiling: 'Express hello (same round)', ratio: vsExpress });
  rows.push({ name: '`GET /login` (stores a session for its CSRF token)', runs: loginPage, ceiling: 'Express hello (same round)', ratio: vsExpress });
  rows.push({ name: '`GET /css/site.<hash>.css`', runs: css, ceiling: 'Express hello (same round)', ratio: vsExpress });
  rows.push({ name: '`GET /dashboard`, in-memory store', runs: dashboardMemory, ceiling: 'Express hello (same round)', ratio: vsExpress });
  rows.push({ name: '`GET /dashboard`, MongoDB store', runs: dashboardMongo, ceiling: 'Express hello (same round)', ratio: vsExpress });
  rows.push({
    name: '`GET /dashboard`, MongoDB store, against in-memory',
    runs: dashboardMongo,
    ceiling: 'dashboard, in-memory (same round)',
    ratio: (r, i) => r.rps / (dashboardMemory[i]?.rps ?? Number.NaN),
  });
  rows.push({ name: 'Lesson zero `GET /dashboard` (examples/lesson-zero.ts)', runs: dashboardLessonZero, ceiling: 'Express hello (same round)', ratio: vsExpress });
  rows.push({
    name: '`GET /dashboard`, MongoDB store, against lesson zero',
    runs: dashboardMongo,
    ceiling: 'lesson zero dashboard (same round; goal ≥ 0.7)',
    ratio: (r, i) => r.rps / (dashboardLessonZero[i]?.rps ?? Number.NaN),
  });
  // against the peers' figures (PEERS): this run's ratios to Express hello
  const ours: Record<keyof typeof PEERS, number[]> = {
    home: home.map(vsExpress),
    login: loginPage.map(vsExpress),
    css: css.map(vsExpress),
    dashboard: dashboardMongo.map(vsExpress),
  };

  // database commands per request, on an instance of their own with the
  // driver's command monitoring on
  const countingApp = await startApp({ ...appEnv, BENCH_COUNT_COMMANDS: '1' });
  const countingUser = await loggedIn(countingApp, 'bench_count');
  const perRequest: [string, number][] = [];
  for (const [label, pathname, client] of [
    ['`GET /` anonymous', '/', new Client(countingApp.url, HTTPS)],
    ['`GET /css/site.<hash>.css`', stylesheet, new Client(countingApp.url, HTTPS)],
    ['`GET /healthz`', '/healthz', new Client(countingApp.url, HTTPS)],
    ['`GET /login` anonymous', '/login', undefined],
    ['`GET /dashboard` logged in', '/dashboard', countingUser.client],
  ] as const) {
    await countingApp.ask('reset');
    for (let i = 0; i < 20; i += 1) await (await (client ?? new Client(countingApp.url, HTTPS)).get(pathname)).arrayBuffer();
    perRequest.push([label, (await countingApp.ask('report')).commands / 20]);
  }
  await countingApp.stop();

  // memory: sessions live in MongoDB, not in the process. Measured after a
  // warm-up of the same requests, so that what "before" lacks is only sessions
  // and not the code and buffers the first few thousand requests bring in;
  // and before the login storms, whose hashing threads (each with a heap of
  // its own) outlive them by a minute
  autocannon(mongoApp, '/login', { headers: HTTPS, connections: 32, amount: 2000 });
  console.log('Measuring memory (15 s)...');
  const before = await settledMemory(mongoApp);
  const estimate = Math.ceil(SESSIONS / Math.max(best(loginPage), 1));
  console.log(`Creating ${SESSIONS.toLocaleString('en-US')} sessions with GET /login (about ${estimate} s at the rate measured above)...`);
  const creating = performance.now();
  const created = autocannon(mongoApp, '/login', { headers: HTTPS, connections: 32, amount: SESSIONS });
  const creatingSeconds = (performance.now() - creating) / 1000;
  console.log('Measuring memory (15 s)...');
  const after = await settledMemory(mongoApp);
  const mongo = await MongoClient.connect(db.uri('bench'));
  const storedSessions = await mongo.db().collection('sessions').countDocuments();
  await mongo.close();

  // the machine's bcrypt limit, just before the storm (this machine's speed
  // drifts over minutes): the time of one hash alone, and hashes on every
  // core at once, nothing else running. Two cores of a virtual machine seldom
  // do twice one core's work, so "cores ÷ one hash" is shown too, as the ideal
  console.log(`Timing bcrypt at cost 12: one hash at a time, then ${cores} at once (about 10 s)...`);
  const { hashMs, allCoresPerSecond } = await timeBcrypt(cores);
  const idealLimit = (cores / hashMs) * 1000;
  const bcryptLimit = allCoresPerSecond;

  // logins: first alone (throughput against the bcrypt limit), then with
  // the dashboard under load meanwhile (its latency, and the event loop's)
  // counted by the server over the middle of the storm: the logins still
  // hashing when the load generator stops would otherwise count as lost
  console.log(`Login storm alone (${STORM_SECONDS} s)...`);
  const aloneRunning = loginStorm(mongoApp, mongoUser);
  await new Promise((resolve) => setTimeout(resolve, STEADY_FROM_S * 1000));
  await mongoApp.ask('reset');
  await new Promise((resolve) => setTimeout(resolve, STEADY_SECONDS * 1000));
  const steadyLogins = (await mongoApp.ask('report')).logins / STEADY_SECONDS;
  const alone = await aloneRunning;
  const dashboard = (seconds: number) => autocannon(mongoApp, '/dashboard', { headers: { ...HTTPS, cookie: stormUser.cookie }, connections: 2, seconds });
  console.log('Dashboard quiet, then during a login storm...');
  const quiet = dashboard(6);
  await mongoApp.ask('reset');
  const stormRunning = loginStorm(mongoApp, mongoUser);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const during = dashboard(6);
  const withDashboard = await stormRunning;
  const eld = (await mongoApp.ask('report')).eventLoopDelayP99Ms;

  await Promise.all([mongoApp.stop(), memoryApp.stop()]);
  for (const child of helpers) child.kill();
  await db.stop();

  const lines: string[] = [];
  lines.push(`# Benchmarks`, '');
  lines.push(
    `Measured by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: ${cores} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), ${fmt(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, the production build, the local database (${db.description}), autocannon in a separate process with ${CONNECTIONS} connections for ${DURATION} s per run, in ${ROUNDS} rounds after a warm-up (each round: the ceilings, then every page; this machine is noisy). Load generator, app and database share the same cores.`,
    '',
    'CPU ms per request: CPU time of the server under test (all its threads) and of the database process, divided by the requests served.',
    '',
  );
  lines.push(
    '| Case | Run | Requests/s | p50 ms | p99 ms | App CPU ms/req | DB CPU ms/req | Ratio | Ratio to |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const row of rows) {
    row.runs.forEach((run, i) => {
      const ratio = row.ratio(run, i);
      const db = row.ceiling === '—' || row.ceiling.startsWith('node:http') ? '—' : fmt(run.dbCpuMs, 2);
      lines.push(
        `| ${row.name} | ${i + 1} | ${fmt(run.rps)} | ${run.p50} | ${run.p99} | ${fmt(run.appCpuMs, 2)} | ${db} | ${ratio === undefined ? '—' : fmt(ratio, 2)} | ${row.ceiling} |`,
      );
    });
  }
  lines.push(
    '',
    '## Against the peers',
    '',
    'hackathon-starter v10 and a seed-style app (Express 5, express-session and connect-mongo with their defaults, one Pug page, about 60 lines), measured side by side with Cloakroom on this machine in late November 2026 (one FerretDB for all, production mode, autocannon with 10 connections, 3 interleaved rounds; ratios to Express hello in the same round). They are the reference, not re-run here. The goal for each page: 1.5× hackathon-starter\'s best.',
    '',
    '| Page | hackathon-starter | seed-style app | Goal (1.5×) | Cloakroom, this run | Met |',
    '| --- | --- | --- | --- | --- | --- |',
  );
  for (const [key, peer] of Object.entries(PEERS) as [keyof typeof PEERS, (typeof PEERS)[keyof typeof PEERS]][]) {
    const [low, high] = peer.hackathonStarter;
    const goal = 1.5 * high;
    const range = ours[key];
    const digits = high < 0.05 ? 3 : 2;
    lines.push(
      `| ${peer.page} | ${fmt(low, digits)}–${fmt(high, digits)} | ${peer.seedStyle} | ${fmt(goal, 3)} | ${fmt(Math.min(...range), digits)}–${fmt(Math.max(...range), digits)} | ${Math.min(...range) >= goal ? 'yes' : Math.max(...range) >= goal ? 'in some rounds' : 'no'} |`,
    );
  }
  lines.push('', '| Database commands per request | Commands |', '| --- | --- |');
  for (const [label, n] of perRequest) lines.push(`| ${label} | ${fmt(n, 1)} |`);
  lines.push('', '| Logins at bcrypt cost 12 | Value |', '| --- | --- |');
  lines.push(`| One hash | ${fmt(hashMs, 1)} ms |`);
  lines.push(`| Machine limit: bcrypt alone, ${cores} hashes at once, just before the storm | ${fmt(bcryptLimit, 1)} hashes/s (${fmt(bcryptLimit / idealLimit, 2)}× the ideal) |`);
  lines.push(`| Ideal (${cores} cores ÷ one hash) | ${fmt(idealLimit, 1)} hashes/s |`);
  lines.push(
    `| \`POST /login\` alone (${STORM_CONNECTIONS} connections; counted by the server from ${STEADY_FROM_S} s to ${STEADY_FROM_S + STEADY_SECONDS} s) | ${fmt(steadyLogins, 1)} logins/s (${fmt(steadyLogins / bcryptLimit, 2)}× the limit, ${fmt(steadyLogins / idealLimit, 2)}× the ideal) |`,
    `| The same, counted by the load generator over all ${STORM_SECONDS} s | ${fmt(alone.loginsPerSecond, 1)} logins/s (${fmt(alone.loginsPerSecond / bcryptLimit, 2)}×; the logins still hashing when it stops are lost to this count) |`,
  );
  lines.push(`| \`POST /login\` while the dashboard is under load | ${fmt(withDashboard.loginsPerSecond, 1)} logins/s |`);
  lines.push(`| Failed logins in the storms | ${alone.failures + withDashboard.failures} |`);
  lines.push(`| Event-loop delay p99 during the storm | ${fmt(eld, 1)} ms |`);
  lines.push(`| Dashboard p50 / p99, quiet (2 connections) | ${quiet.p50} / ${quiet.p99} ms (${fmt(quiet.rps)}/s) |`);
  lines.push(
    `| Dashboard p50 / p99, during the storm | ${during.p50} / ${during.p99} ms (${fmt(during.rps)}/s; p99 ${fmt(during.p99 / Math.max(quiet.p99, 1), 2)}× quiet) |`,
  );
  lines.push('', '| Memory | Value |', '| --- | --- |');
  const mib = (bytes: number) => `${fmt(bytes / 2 ** 20, 1)} MiB`;
  const change = (from: number, to: number) => `${to >= from ? '+' : ''}${fmt(((to - from) / from) * 100, 1)} %`;
  lines.push(`| RSS / heap used before (after a warm-up of 2,000 \`GET /login\`; RSS the lowest of 15 samples, 1 s apart) | ${mib(before.rssBytes)} / ${mib(before.heapUsedBytes)} |`);
  lines.push(`| Sessions created (\`GET /login\`, 32 connections) | ${fmt(SESSIONS)} in ${fmt(creatingSeconds)} s, ${created.errors} errors; ${fmt(storedSessions)} sessions in MongoDB afterwards |`);
  lines.push(
    `| RSS / heap used after | ${mib(after.rssBytes)} (${change(before.rssBytes, after.rssBytes)}) / ${mib(after.heapUsedBytes)} (${change(before.heapUsedBytes, after.heapUsedBytes)}) |`,
  );
  const report = `${lines.join('\n')}\n`;
  mkdirSync(path.join(ROOT, 'docs'), { recursive: true });
  writeFileSync(path.join(ROOT, 'docs/benchmarks.md'), report);
  console.log(`\n${report}`);
}

await main();
