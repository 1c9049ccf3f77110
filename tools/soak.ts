// npm run soak [-- seconds]: many virtual users register, count visits, log
// out and log in again for a while (60 s by default) against a real app
// process, on 127.0.0.1 only, while the database is stopped for a few seconds
// in the middle. Afterwards it checks that no account was lost or
// half-written and that the app never crashed, and prints a report.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { pino } from 'pino';
import { createPasswordHasher } from '../src/auth/passwords.js';
import { startLocalDatabase } from '../src/db/local/index.js';
import { Client } from '../test/helpers/client.js';
import { waitForListening } from './listening.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const SECONDS = Number(process.argv[2] ?? process.env.SOAK_SECONDS ?? 60);
const USERS = Number(process.env.SOAK_USERS ?? 20);
const OUTAGE_MS = 5000;
const PEPPER = 'soak-pepper-used-only-by-this-script';
const logger = pino({ level: 'warn' });

const statuses = new Map<string, number>();
const count = (key: string) => statuses.set(key, (statuses.get(key) ?? 0) + 1);
const confirmed: { username: string; password: string }[] = [];

async function virtualUser(base: string, index: number, until: number): Promise<void> {
  let round = 0;
  while (Date.now() < until) {
    round += 1;
    const username = `soak_${index}_${round}_${Math.random().toString(36).slice(2, 6)}`;
    const password = `soak passphrase ${index} ${round}`;
    const client = new Client(base);
    try {
      const registered = await client.register(username, password);
      count(`POST /register ${registered.status}`);
      if (registered.status !== 303) continue;
      confirmed.push({ username, password });
      while (Date.now() < until) {
        for (let i = 0; i < 3; i += 1) count(`GET /dashboard ${(await client.get('/dashboard')).status}`);
        const out = await client.post('/logout');
        count(`POST /logout ${out.status}`);
        const back = await client.login(username, password);
        count(`POST /login ${back.status}`);
        // during the outage: a fresh start with a new account
        if (back.status !== 303) break;
      }
    } catch (err) {
      // the client loads each form's page for its CSRF token first
      const form = /no CSRF token on (\S+) \(status (\d+)\)/.exec(err instanceof Error ? err.message : '');
      count(form ? `GET ${form[1]} (form page) ${form[2]}` : `error ${err instanceof Error ? err.message.slice(0, 60) : 'unknown'}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

async function main(): Promise<void> {
  console.log(`Soak: ${USERS} virtual users for ${SECONDS} s, database stopped for ${OUTAGE_MS / 1000} s at ${Math.round(SECONDS / 3)} s`);
  const db = await startLocalDatabase({ engine: 'auto', dataDir: undefined, logger });
  const uri = db.uri('soak');
  const app = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      PORT: '0',
      LOG_LEVEL: 'info',
      MONGODB_URI: uri,
      BCRYPT_COST: '10',
      PASSWORD_PEPPER: PEPPER,
      DB_SERVER_SELECTION_TIMEOUT_MS: '2000',
      // every virtual user is on 127.0.0.1: the per-address limits out of the way
      LOGIN_MAX_FAILURES_PER_IP_PER_DAY: '1000000',
      LOGIN_CHECKS_AT_ONCE_PER_IP: '10000',
      REGISTRATIONS_PER_IP_PER_HOUR: '1000000',
      ANONYMOUS_SESSIONS_PER_IP_PER_HOUR: '10000000',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let crashed = false;
  app.once('exit', (code) => {
    crashed = code !== 0;
  });
  const base = await waitForListening(app);

  const started = Date.now();
  const until = started + SECONDS * 1000;
  const outage = (async () => {
    await new Promise((resolve) => setTimeout(resolve, (SECONDS * 1000) / 3));
    console.log(`${Math.round((Date.now() - started) / 1000)} s: stopping the database`);
    await db.pause();
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    await db.resume();
    console.log(`${Math.round((Date.now() - started) / 1000)} s: database back`);
  })();
  await Promise.all([outage, ...Array.from({ length: USERS }, (_, i) => virtualUser(base, i, until))]);
  const elapsed = (Date.now() - started) / 1000;

  // the checks: every confirmed account is there and works; none is half-written
  const mongo = await MongoClient.connect(uri);
  const users = mongo.db().collection('users');
  const hasher = createPasswordHasher({ cost: 10, pepper: PEPPER });
  const problems: string[] = [];
  for (const { username, password } of confirmed) {
    const user = await users.findOne({ usernameKey: username.toLowerCase() });
    if (!user) problems.push(`lost: ${username}`);
    else if (!(await hasher.verify(password, String(user.passwordHash)))) problems.push(`wrong hash: ${username}`);
  }
  const stored = await users.find().toArray();
  for (const user of stored) {
    const complete =
      typeof user.username === 'string' &&
      user.usernameKey === String(user.username).toLowerCase() &&
      /^\$2[aby]\$10\$/.test(String(user.passwordHash)) &&
      typeof user.lifetimeVisits === 'number';
    if (!complete) problems.push(`half-written: ${String(user._id)}`);
  }
  await mongo.close();
  const alive = app.exitCode === null && !crashed;
  if (!alive) problems.push('the app process crashed');

  const total = [...statuses.values()].reduce((a, b) => a + b, 0);
  const rows = [...statuses].sort(([a], [b]) => a.localeCompare(b));
  console.log(`\n| Result | Count |\n| --- | --- |`);
  for (const [key, n] of rows) console.log(`| ${key} | ${n} |`);
  console.log(`\n${total} requests in ${elapsed.toFixed(0)} s (${(total / elapsed).toFixed(0)}/s), ${confirmed.length} accounts confirmed, ${stored.length} stored`);
  console.log(problems.length === 0 ? 'No account lost or half-written; the app never crashed.' : `PROBLEMS:\n${problems.join('\n')}`);

  app.kill('SIGTERM');
  await new Promise((resolve) => app.once('exit', resolve));
  await db.stop();
  process.exit(problems.length === 0 ? 0 : 1);
}

await main();
