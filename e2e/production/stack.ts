// production stack: Cloakroom the way docker-compose.yml runs it, without
// Docker. The built app (node dist/server.js) with the Compose file's own
// environment (NODE_ENV=production), on a real MongoDB-compatible database,
// behind a real Caddy running the repository's deploy/Caddyfile over https.
// playwright.production.config.ts starts it and stops it with SIGTERM.
//
// What differs from Compose, and why: everything listens on 127.0.0.1 and on
// free ports (no containers, no fixed ports); so the app trusts the proxy at
// 127.0.0.1 instead of the Compose network's fixed address; Caddy keeps its
// certificates in a temporary folder and serves localhost:<port> with its
// local CA, as Compose serves localhost. Mail goes to a mail catcher in this
// process (as Compose sends it to Mailpit), whose inbox the tests read at
// the state's mailUrl. The demo provider runs as with Compose's profile
// demo-provider on (tools/demo-oidc-provider.ts: https, its own CA, which the
// app trusts through NODE_EXTRA_CA_CERTS), at https://127.0.0.1:<port> instead
// of https://login.localhost:8443: in Compose the app finds that name through
// the service's network alias, and here Node asks the system's resolver, which
// on this kind of machine (glibc, no systemd-resolved) does not resolve
// login.localhost (Chromium resolves *.localhost by itself, Node does not).
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { parse } from 'yaml';
import { startLocalDatabase, type LocalDatabase } from '../../src/db/local/index.js';
import { startMailCatcher, type MailCatcher } from '../../src/mail/catcher.js';
import { waitForListening } from '../../tools/listening.js';
import { DEMO_PROVIDER_NAME, PRODUCTION_TEST_LIMITS, type ProductionStackState } from './state.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const logger = pino({ level: 'warn' });

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}

/** The app service's environment in docker-compose.yml, as Compose would pass it. */
function composeAppEnvironment(): Record<string, string> {
  const compose = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8')) as {
    services: { app: { environment: Record<string, string> } };
  };
  // ${NAME:-default}: Compose passes the default when .env does not set NAME
  return Object.fromEntries(
    Object.entries(compose.services.app.environment).map(([name, value]) => [name, value.replace(/\$\{\w+:-([^}]*)\}/g, '$1')]),
  );
}

/** Resolves once https://localhost:<port>/healthz answers 200 through the proxy. */
async function waitForHttps(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await new Promise<number>((resolve) => {
      // Caddy's local CA is not trusted by this process: it is a test of the
      // proxy being up, not of the certificate
      https
        .get(url, { rejectUnauthorized: false }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
        .on('error', () => resolve(0));
    });
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms (last: ${status})`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function exitOf(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

const httpsPort = Number(process.env.E2E_HTTPS_PORT) || (await freePort());
const statePath = process.env.E2E_PRODUCTION_STATE;
const caddyHome = mkdtempSync(path.join(os.tmpdir(), 'cloakroom-caddy-'));
const providerHome = mkdtempSync(path.join(os.tmpdir(), 'cloakroom-demo-provider-'));
const children: ChildProcess[] = [];
let database: LocalDatabase | undefined;
let mail: MailCatcher | undefined;
let inbox: http.Server | undefined;

async function stop(): Promise<void> {
  // the proxy first, then the app (it finishes requests in flight), then the database
  for (const child of children.reverse()) {
    child.kill('SIGTERM');
    await exitOf(child);
  }
  await database?.stop();
  await mail?.stop();
  inbox?.close();
  rmSync(caddyHome, { recursive: true, force: true });
  rmSync(providerHome, { recursive: true, force: true });
  if (statePath) rmSync(statePath, { force: true });
}

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  });
}

try {
  // the demo provider, started beside the database (it makes its CA and
  // certificate first); before the app, which reads the CA file as it starts
  const providerPort = await freePort();
  const oidcClient = { OIDC_CLIENT_ID: 'cloakroom-demo', OIDC_CLIENT_SECRET: randomBytes(24).toString('base64url') };
  const caFile = path.join(providerHome, 'ca', 'ca.pem');
  const provider = spawn(process.execPath, ['--import', 'tsx', 'tools/demo-oidc-provider.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      OIDC_ISSUER: `https://127.0.0.1:${providerPort}`,
      ...oidcClient,
      OIDC_REDIRECT_URI: `https://localhost:${httpsPort}/login/oidc/callback`,
      DEMO_PROVIDER_HOST: '127.0.0.1',
      DEMO_PROVIDER_KEYS: path.join(providerHome, 'keys'),
      DEMO_PROVIDER_CA: caFile,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  children.push(provider);
  const providerListening = waitForListening(provider, 30_000);
  // awaited below, after the database: a failure meanwhile waits for it
  providerListening.catch(() => undefined);

  // the database: a local one of its own, as Compose runs a mongo service of
  // its own (even when MONGODB_URI names a server: the tests stop this one)
  database = await startLocalDatabase({ engine: 'auto', dataDir: undefined, logger });
  const providerUrl = await providerListening;
  // past oidc-provider's development warnings at startup: what goes wrong
  provider.stderr?.pipe(process.stderr);
  const mongodbUri = database.uri(`cloakroom_production_e2e_${randomBytes(4).toString('hex')}`);

  // the mail catcher, and its inbox as JSON for the tests (Mailpit's part in Compose)
  const catcher = await startMailCatcher();
  mail = catcher;
  const inboxServer = http.createServer((_req, res) => {
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify(catcher.messages()));
  });
  inbox = inboxServer;
  await new Promise<void>((resolve) => inboxServer.listen(0, '127.0.0.1', resolve));
  const mailUrl = `http://127.0.0.1:${(inboxServer.address() as net.AddressInfo).port}/`;

  // the app, built, with Compose's environment
  const appPort = await freePort();
  const app = spawn(process.execPath, ['dist/server.js'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      ...composeAppEnvironment(),
      // what Compose takes from .env
      SESSION_SECRET: randomBytes(32).toString('base64url'),
      PASSWORD_PEPPER: randomBytes(32).toString('base64url'),
      TWO_FACTOR_KEY: randomBytes(32).toString('base64url'),
      // what differs without containers (see the top of this file)
      HOST: '127.0.0.1',
      PORT: String(appPort),
      MONGODB_URI: mongodbUri,
      TRUST_PROXY: '127.0.0.1',
      PUBLIC_URL: `https://localhost:${httpsPort}`,
      SMTP_URL: catcher.smtpUrl,
      // what .env sets with the profile demo-provider (docs/deploying.md)
      OIDC_ISSUER: providerUrl,
      ...oidcClient,
      OIDC_PROVIDER_NAME: DEMO_PROVIDER_NAME,
      NODE_EXTRA_CA_CERTS: caFile,
      ...PRODUCTION_TEST_LIMITS,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // a process group of its own: the one SIGTERM it gets is this stack's
    // (a second one would make it exit at once, without finishing requests)
    detached: true,
  });
  children.push(app);
  const appUrl = await waitForListening(app, 60_000);
  app.stdout?.pipe(process.stdout);
  app.stderr?.pipe(process.stderr);

  // the proxy: the repository's Caddyfile, as Compose mounts it
  const httpPort = await freePort();
  const caddy = spawn('caddy', ['run', '--config', path.join(ROOT, 'deploy', 'Caddyfile'), '--adapter', 'caddyfile'], {
    cwd: caddyHome,
    env: {
      PATH: process.env.PATH,
      HOME: caddyHome,
      XDG_DATA_HOME: path.join(caddyHome, 'data'),
      XDG_CONFIG_HOME: path.join(caddyHome, 'config'),
      SITE_ADDRESS: `localhost:${httpsPort}`,
      APP_UPSTREAMS: `127.0.0.1:${appPort}`,
      CADDY_TEST_OPTIONS: [
        'admin off',
        `storage file_system ${path.join(caddyHome, 'storage')}`,
        'skip_install_trust',
        'auto_https disable_redirects',
        `http_port ${httpPort}`,
        `https_port ${httpsPort}`,
      ].join('\n'),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  children.push(caddy);
  let caddyLog = '';
  caddy.stderr?.on('data', (chunk: Buffer) => {
    caddyLog = (caddyLog + chunk.toString()).slice(-4000);
  });
  caddy.once('error', (err) => {
    console.error(`caddy could not be started (${err.message}): install it with apt-get install caddy`);
  });
  const httpsUrl = `https://localhost:${httpsPort}`;
  try {
    await waitForHttps(`${httpsUrl}/healthz`, 30_000);
  } catch (err) {
    throw new Error(`${err instanceof Error ? err.message : String(err)}\ncaddy said:\n${caddyLog}`, { cause: err });
  }

  // the database can be stopped and started again, as `docker compose stop mongo` would
  const local = database;
  process.on('SIGUSR1', () => {
    local.pause().then(() => console.log('database stopped'), (err: unknown) => console.error(err));
  });
  process.on('SIGUSR2', () => {
    local.resume().then(() => console.log('database started'), (err: unknown) => console.error(err));
  });
  const state: ProductionStackState = { httpsUrl, appUrl, stackPid: process.pid, mailUrl, providerUrl };
  if (statePath) writeFileSync(statePath, JSON.stringify(state));
  console.log(`production stack ready at ${httpsUrl} (app ${appUrl}, through Caddy)`);
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  await stop();
  process.exit(1);
}
