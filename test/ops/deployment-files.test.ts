// No Docker engine runs in CI, so the deployment files are checked by reading
// them: what they pass and expose must match what the app actually reads.
// test/ops/deployment-tools.test.ts runs the real tools on them (hadolint,
// Compose's own loader, Caddy, actionlint).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { CONFIG_VARIABLES as CORE_VARIABLES, loadConfig as loadCoreConfig } from '../../src/config.js';
import { FEATURE_SETTINGS, FEATURE_VARIABLES } from '../../src/features/index.js';
import { PROJECT_ROOT } from '../../src/paths.js';
import { inSubnet } from '../../tools/compose-check/index.js';

// what the app reads: the core's variables and the features'
const CONFIG_VARIABLES = [...CORE_VARIABLES, ...FEATURE_VARIABLES];
const loadConfig = (env: NodeJS.ProcessEnv) => loadCoreConfig(env, FEATURE_SETTINGS);

const read = (file: string) => readFileSync(path.join(PROJECT_ROOT, file), 'utf8');

interface ComposeService {
  image?: string;
  build?: unknown;
  restart?: string;
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition?: string }>;
  healthcheck?: { test?: string[] };
  ports?: string[];
  expose?: string[];
  volumes?: string[];
  networks?: string[] | Record<string, { ipv4_address?: string } | null>;
  stop_grace_period?: string;
  deploy?: { replicas?: number };
}

const compose = parse(read('docker-compose.yml')) as {
  services: Record<string, ComposeService>;
  networks?: Record<string, { ipam?: { config?: { subnet?: string }[] } } | null>;
  volumes?: Record<string, unknown>;
};

function envExampleVariables(): Map<string, string | undefined> {
  const vars = new Map<string, string | undefined>();
  for (const line of read('.env.example').split('\n')) {
    const match = /^#?\s?([A-Z][A-Z0-9_]+)=(.*)$/.exec(line);
    if (match?.[1]) vars.set(match[1], line.startsWith('#') ? undefined : match[2]);
  }
  return vars;
}

describe('.env.example', () => {
  it('documents exactly the variables the config reads', () => {
    assert.deepEqual([...envExampleVariables().keys()].sort(), [...CONFIG_VARIABLES].sort());
  });

  it('holds values the config accepts', () => {
    const values = Object.fromEntries([...envExampleVariables()].filter(([, v]) => v !== undefined));
    assert.doesNotThrow(() => loadConfig(values));
  });
});

describe('docker-compose.yml', () => {
  const { mongo, app, proxy, mailpit } = compose.services;
  // as Compose passes it with an empty .env: ${NAME:-default} is the default
  const withDefaults = (environment: Record<string, string> = {}) =>
    Object.fromEntries(Object.entries(environment).map(([name, value]) => [name, value.replace(/\$\{\w+:-([^}]*)\}/g, '$1')]));
  const appConfig = () => loadConfig({ ...withDefaults(app?.environment), SESSION_SECRET: 'x'.repeat(40), PASSWORD_PEPPER: 'y'.repeat(40), TWO_FACTOR_KEY: 'z'.repeat(40) });

  it('runs an official mongo image with a pinned major version, a volume and a healthcheck', () => {
    assert.ok(mongo, 'a mongo service');
    assert.match(mongo.image ?? '', /^mongo:\d+(\.\d+)*$/);
    const volume = mongo.volumes?.[0]?.split(':')[0];
    assert.ok(volume && compose.volumes && volume in compose.volumes, 'a named volume for /data/db');
    assert.ok(mongo.healthcheck?.test?.join(' ').includes('ping'));
  });

  it('keeps MongoDB off the network: not published, or only on 127.0.0.1', () => {
    for (const port of mongo?.ports ?? []) assert.match(port, /^127\.0\.0\.1:/, `mongo publishes ${port}`);
  });

  it('starts the app after mongo is healthy, with variables the config knows', () => {
    assert.ok(app, 'an app service');
    assert.ok(app.build, 'built from the Dockerfile');
    assert.equal(app.depends_on?.mongo?.condition, 'service_healthy');
    assert.ok(app.restart);
    for (const name of Object.keys(app.environment ?? {})) {
      assert.ok(CONFIG_VARIABLES.includes(name), `${name} is read by the config`);
    }
    assert.equal(app.environment?.NODE_ENV, 'production');
    assert.match(app.environment?.MONGODB_URI ?? '', /^mongodb:\/\/mongo:27017\/\w+$/);
  });

  it('gives the config what production requires; the app is not published, only exposed to the proxy', () => {
    const config = appConfig();
    assert.equal(config.isProduction, true);
    assert.equal(config.host, '0.0.0.0');
    assert.equal(app?.ports, undefined, 'the app is reached through the proxy only');
    assert.deepEqual(app?.expose, [String(config.port)]);
    // the app is healthy when it is ready: serving, and its database answers
    assert.ok(app?.healthcheck?.test?.join(' ').includes(`:${config.port}/readyz`));
    // Docker's grace period outlasts the app's own
    const grace = Number(/^(\d+)s$/.exec(String(app?.stop_grace_period))?.[1]);
    assert.ok(grace * 1000 > config.shutdownGraceMs, 'stop_grace_period longer than SHUTDOWN_GRACE_SECONDS');
    // the address Caddy serves, whatever SITE_ADDRESS says
    assert.equal(config.publicUrl, 'https://localhost');
    assert.equal(app?.environment?.PUBLIC_URL, `https://${proxy?.environment?.SITE_ADDRESS}`);
  });

  it('puts Caddy in front: HTTPS published, certificates kept in a volume, started once the app is healthy', () => {
    assert.ok(proxy, 'a proxy service');
    assert.match(proxy.image ?? '', /^caddy:\d+(\.\d+)*$/);
    assert.ok(proxy.ports?.includes('443:443'), 'publishes 443');
    assert.equal(proxy.depends_on?.app?.condition, 'service_healthy');
    assert.ok(proxy.volumes?.includes('./deploy/Caddyfile:/etc/caddy/Caddyfile:ro'), 'mounts deploy/Caddyfile');
    assert.ok(proxy.volumes?.includes('caddy-data:/data'), 'keeps /data (certificates, the local CA)');
    assert.ok(compose.volumes && 'caddy-data' in compose.volumes, 'caddy-data is a named volume');
  });

  it('lets the app trust exactly the proxy: TRUST_PROXY is its fixed address, in the front subnet', () => {
    const networks = proxy?.networks;
    assert.ok(networks && !Array.isArray(networks), 'the proxy has a fixed address');
    const address = networks.front?.ipv4_address ?? '';
    assert.equal(app?.environment?.TRUST_PROXY, address);
    assert.equal(appConfig().trustProxy, address);
    const subnet = compose.networks?.front?.ipam?.config?.[0]?.subnet ?? '';
    assert.ok(inSubnet(address, subnet), `${address} in ${subnet}`);
    assert.ok(Array.isArray(app?.networks) && app.networks.includes('front'), 'the app is on the front network');
  });

  it('sends the mail to a Mailpit catcher on the back network, its inbox on 127.0.0.1 only, unless .env names a provider', () => {
    assert.ok(mailpit, 'a mailpit service');
    assert.match(mailpit.image ?? '', /^axllent\/mailpit:v\d+(\.\d+)*$/, 'a pinned version');
    assert.deepEqual(mailpit.networks, ['back']);
    assert.deepEqual(mailpit.ports, ['127.0.0.1:8025:8025'], 'the web UI on this machine only; SMTP not published');
    assert.equal(app?.depends_on?.mailpit?.condition, 'service_started');
    assert.equal(app?.environment?.SMTP_URL, '${SMTP_URL:-smtp://mailpit:1025}', 'a real provider in .env wins');
    const config = appConfig();
    assert.equal(config.mail.enabled, true);
    assert.equal(config.mail.smtpUrl, 'smtp://mailpit:1025');
  });

  it('points the proxy at each replica of the app, on the port the app listens on', () => {
    const port = appConfig().port;
    assert.equal(/reverse_proxy \{\$APP_UPSTREAMS:([^}]+)\}/.exec(read('deploy/Caddyfile'))?.[1], `app:${port}`, 'the Caddyfile, without APP_UPSTREAMS');
    const replicas = app?.deploy?.replicas ?? 1;
    assert.ok(replicas > 1, 'several instances');
    // Compose names a service's containers <project>-<service>-<n>
    const upstreams = Array.from({ length: replicas }, (_, i) => `cloakroom-app-${i + 1}:${port}`);
    assert.equal(proxy?.environment?.APP_UPSTREAMS, upstreams.join(' '));
  });

  it('has the proxy balance between the instances, health-check them on /readyz and retry a refused connection elsewhere', () => {
    const caddyfile = read('deploy/Caddyfile');
    assert.match(caddyfile, /^\s*lb_policy \w+/m);
    assert.match(caddyfile, /^\s*health_uri \/readyz$/m);
    assert.match(caddyfile, /^\s*max_fails \d+$/m, 'passive health checks');
    assert.match(caddyfile, /^\s*lb_(retries|try_duration) \S+$/m, 'retries');
    assert.doesNotMatch(caddyfile, /lb_retry_match/, 'only requests that never reached an instance, and GETs, are retried: never a POST');
    assert.doesNotMatch(caddyfile, /lb_policy (cookie|ip_hash|client_ip_hash)/, 'no sticky sessions: the session is in MongoDB');
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');

  it('builds in stages and runs the compiled server as a non-root user in production mode', () => {
    assert.ok((dockerfile.match(/^FROM /gm) ?? []).length >= 2, 'multi-stage');
    assert.match(dockerfile, /npm ci --omit=dev/);
    // the node images' unprivileged user "node" is uid 1000
    assert.match(dockerfile, /^USER (node|1000(:1000)?)$/m);
    assert.match(dockerfile, /NODE_ENV=production/);
    assert.match(dockerfile, /^HEALTHCHECK /m);
    assert.match(dockerfile, /^CMD \["node", "dist\/server\.js"\]$/m);
  });

  it('exposes the port the app listens on and copies what the server reads at run time', () => {
    const port = /PORT=(\d+)/.exec(dockerfile)?.[1];
    assert.match(dockerfile, new RegExp(`^EXPOSE ${port}$`, 'm'));
    for (const dir of ['views', 'public']) assert.match(dockerfile, new RegExp(`^COPY ${dir} \\./${dir}$`, 'm'));
  });

  it('leaves secrets, dependencies and local data out of the build context', () => {
    const ignored = read('.dockerignore').split('\n');
    for (const entry of ['node_modules', '.env', '.data', '.git']) assert.ok(ignored.includes(entry), entry);
  });
});
