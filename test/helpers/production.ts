// production: pieces of the Compose deployment for tests that run it without
// Docker, as e2e/production/stack.ts does: the app service's environment
// from docker-compose.yml, the built app (node dist/server.js) as a process,
// Caddy running the repository's deploy/Caddyfile over https, and a client
// that speaks https to it with Caddy's local CA.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../../src/paths.js';
import { waitForListening } from '../../tools/listening.js';
import { Client, parseSetCookie } from './client.js';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}

/** The app service's environment in docker-compose.yml, as Compose would pass it. */
export function composeAppEnvironment(): Record<string, string> {
  const compose = parse(readFileSync(path.join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8')) as {
    services: { app: { environment: Record<string, string> } };
  };
  // ${NAME:-default}: Compose passes the default when .env does not set NAME
  return Object.fromEntries(
    Object.entries(compose.services.app.environment).map(([name, value]) => [name, value.replace(/\$\{\w+:-([^}]*)\}/g, '$1')]),
  );
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

export interface AppProcess {
  url: string;
  child: ChildProcess;
  /** Everything it wrote so far (its JSON log, one line per request in production). */
  output(): string;
  /** Sends SIGTERM and resolves with its exit. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts node dist/server.js with this environment (and nothing of the caller's) and waits until it listens. */
export async function startBuiltApp(env: Record<string, string>, timeoutMs = 60_000): Promise<AppProcess> {
  const entry = path.join(PROJECT_ROOT, 'dist', 'server.js');
  if (!existsSync(entry)) throw new Error('dist/server.js is missing: run npm run build first');
  const child = spawn(process.execPath, [entry], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // a process group of its own: a Ctrl+C in the terminal running the tests
    // reaches the test, which stops the app with one SIGTERM (a second one
    // would make it exit at once)
    detached: true,
  });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (output += d));
  const exited = exitOf(child);
  const url = await waitForListening(child, timeoutMs);
  return {
    url,
    child,
    output: () => output,
    stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

export interface RunningCaddy {
  /** https://localhost:<port> */
  url: string;
  /** Caddy's local root certificate, which signed the site's certificate. */
  ca: string;
  /** What Caddy logged last. */
  log(): string;
  stop(): Promise<void>;
}

/**
 * Caddy running deploy/Caddyfile, as Compose mounts it, in front of these
 * upstreams (host:port), with its storage in a temporary folder. Resolves
 * once https://localhost:<port>/healthz answers 200 through it.
 */
export async function startCaddy(options: { upstreams: string[]; httpsPort?: number; timeoutMs?: number }): Promise<RunningCaddy> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'cloakroom-caddy-'));
  const httpsPort = options.httpsPort ?? (await freePort());
  const httpPort = await freePort();
  const storage = path.join(home, 'storage');
  const caddy = spawn('caddy', ['run', '--config', path.join(PROJECT_ROOT, 'deploy', 'Caddyfile'), '--adapter', 'caddyfile'], {
    cwd: home,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: home,
      XDG_DATA_HOME: path.join(home, 'data'),
      XDG_CONFIG_HOME: path.join(home, 'config'),
      SITE_ADDRESS: `localhost:${httpsPort}`,
      APP_UPSTREAMS: options.upstreams.join(' '),
      CADDY_TEST_OPTIONS: ['admin off', `storage file_system ${storage}`, 'skip_install_trust', 'auto_https disable_redirects', `http_port ${httpPort}`, `https_port ${httpsPort}`].join('\n'),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let log = '';
  caddy.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    log = (log + chunk).slice(-20_000);
  });
  const started = new Promise<never>((_, reject) => {
    caddy.once('error', (err) => reject(new Error(`caddy could not be started (${err.message}): install it with apt-get install caddy`)));
    caddy.once('exit', (code) => reject(new Error(`caddy exited with ${code}:\n${log}`)));
  });
  const exited = exitOf(caddy);
  const stop = async () => {
    if (caddy.exitCode === null && caddy.signalCode === null) caddy.kill('SIGTERM');
    await exited;
    rmSync(home, { recursive: true, force: true });
  };
  const url = `https://localhost:${httpsPort}`;
  try {
    await Promise.race([started, waitForStatus(`${url}/healthz`, 200, options.timeoutMs ?? 30_000, { rejectUnauthorized: false })]);
  } catch (err) {
    await stop();
    throw err;
  }
  // issued by the time the site answers
  const ca = readFileSync(path.join(storage, 'pki', 'authorities', 'local', 'root.crt'), 'utf8');
  return { url, ca, log: () => log, stop };
}

/** Resolves once the URL answers this status (http or https). */
export async function waitForStatus(url: string, status: number, timeoutMs: number, tls: https.RequestOptions = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const last = await new Promise<number>((resolve) => {
      const get = url.startsWith('https:') ? https.get : http.get;
      get(url, { ...tls, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', () => resolve(0));
    });
    if (last === status) return;
    if (Date.now() > deadline) throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms (last: ${last || 'no answer'})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The test client (test/helpers/client.ts: a cookie jar, forms with their
 * CSRF token, no redirects followed) over https to Caddy, checking its
 * certificate against Caddy's local CA. Its connections are kept alive, as a
 * browser's are.
 */
export class HttpsClient extends Client {
  private readonly agent: https.Agent;
  /** Requests sent so far. */
  requests = 0;

  constructor(baseUrl: string, ca: string) {
    super(baseUrl);
    this.agent = new https.Agent({ keepAlive: true, ca, maxSockets: 1 });
  }

  override async request(pathname: string, init: RequestInit = {}): Promise<Response> {
    const url = new URL(pathname, this.baseUrl);
    this.requests += 1;
    const headers: Record<string, string> = { ...this.defaultHeaders, ...Object.fromEntries(new Headers(init.headers)) };
    if (this.cookies.size > 0 && !('cookie' in headers)) headers.cookie = this.cookieHeader();
    let body: string | undefined;
    if (init.body instanceof URLSearchParams) {
      body = init.body.toString();
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
    } else if (typeof init.body === 'string') {
      body = init.body;
    } else if (init.body != null) {
      throw new Error('HttpsClient sends forms and strings only');
    }
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    const { status, rawHeaders, text } = await new Promise<{ status: number; rawHeaders: string[]; text: string }>((resolve, reject) => {
      const req = https.request(url, { method: init.method ?? 'GET', headers, agent: this.agent, servername: url.hostname }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, rawHeaders: res.rawHeaders, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
    const responseHeaders = new Headers();
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) responseHeaders.append(rawHeaders[i] ?? '', rawHeaders[i + 1] ?? '');
    for (const raw of responseHeaders.getSetCookie()) {
      const cookie = parseSetCookie(raw);
      const expires = cookie.attributes.expires;
      if (cookie.value === '' || (typeof expires === 'string' && Date.parse(expires) <= Date.now())) this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
    // a null body status cannot carry a body
    const empty = status === 204 || status === 304;
    return new Response(empty ? null : text, { status, headers: responseHeaders });
  }

  close(): void {
    this.agent.destroy();
  }
}
