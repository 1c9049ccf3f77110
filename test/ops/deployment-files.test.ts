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
import { OIDC_CALLBACK_PATH, type OidcSettings } from '../../src/features/oidc/settings.js';
import { PROJECT_ROOT } from '../../src/paths.js';
import { inSubnet } from '../../tools/compose-check/index.js';

// what the app reads: the core's variables and the features'
const CONFIG_VARIABLES = [...CORE_VARIABLES, ...FEATURE_VARIABLES];
// what Node itself reads, which Compose may hand the app too
const NODE_VARIABLES = ['NODE_EXTRA_CA_CERTS'];
const loadConfig = (env: NodeJS.ProcessEnv) => loadCoreConfig(env, FEATURE_SETTINGS);

const read = (file: string) => readFileSync(path.join(PROJECT_ROOT, file), 'utf8');

interface ComposeService {
  profiles?: string[];
  image?: string;
  build?: string | { context?: string; target?: string };
  restart?: string;
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition?: string; required?: boolean }>;
  healthcheck?: { test?: string[] };
  ports?: string[];
  expose?: string[];
  volumes?: string[];
  networks?: string[] | Record<string, { ipv4_address?: string; aliases?: string[] } | null>;
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
      assert.ok(CONFIG_VARIABLES.includes(name) || NODE_VARIABLES.includes(name), `${name} is read by the config (or by Node)`);
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

describe('docker-compose.yml, the profile demo-provider', () => {
  const { app, proxy } = compose.services;
  const provider = compose.services['demo-provider'];
  const env = provider?.environment ?? {};
  const issuer = new URL(env.OIDC_ISSUER ?? '');
  const port = issuer.port;
  // the volume the app mounts read-only, and where
  const appMounts = new Map((app?.volumes ?? []).map((volume) => [volume.split(':')[1], volume]));

  it('is a service of its own, only under its profile, built from the Dockerfile stage that has oidc-provider', () => {
    assert.ok(provider, 'a demo-provider service');
    assert.deepEqual(provider.profiles, ['demo-provider']);
    assert.deepEqual(provider.build, { context: '.', target: 'demo-provider' });
    for (const [name, service] of Object.entries(compose.services)) {
      if (name !== 'demo-provider') assert.equal(service.profiles, undefined, `${name} runs without the profile`);
    }
  });

  it('serves https at its issuer, https://login.localhost:8443: the same name and port for the browser and the app', () => {
    assert.equal(issuer.href, 'https://login.localhost:8443/');
    assert.equal(env.OIDC_ISSUER, issuer.origin, 'the issuer is an origin: the CSP form-action the app adds (its origin) is the issuer');
    // the browser: *.localhost is this machine; the port on 127.0.0.1 only
    assert.deepEqual(provider?.ports, [`127.0.0.1:${port}:${port}`]);
    // the app: the same name, on a network both are on
    const networks = provider?.networks;
    assert.ok(networks && !Array.isArray(networks));
    assert.deepEqual(Object.keys(networks), ['back']);
    assert.deepEqual(networks.back?.aliases, [issuer.hostname]);
    assert.ok(Array.isArray(app?.networks) && app.networks.includes('back'), 'the app is on the back network');
    assert.equal(env.DEMO_PROVIDER_HOST, '0.0.0.0', 'listening for the other containers');
    // healthy: its discovery document answers at the issuer, under its CA
    const check = provider?.healthcheck?.test?.join(' ') ?? '';
    assert.ok(check.includes(`'${issuer.origin}/.well-known/openid-configuration'`), check);
    assert.ok(check.includes(`readFileSync('${env.DEMO_PROVIDER_CA}')`), check);
  });

  it("sends the browser back to the app's PUBLIC_URL, with the client .env names for both", () => {
    assert.equal(env.OIDC_REDIRECT_URI, `${app?.environment?.PUBLIC_URL}${OIDC_CALLBACK_PATH}`);
    assert.equal(proxy?.environment?.SITE_ADDRESS, '${SITE_ADDRESS:-localhost}');
    assert.equal(env.OIDC_CLIENT_ID, '${OIDC_CLIENT_ID:-}', 'from .env, as the app gets it (env_file); empty without the profile');
    assert.equal(env.OIDC_CLIENT_SECRET, '${OIDC_CLIENT_SECRET:-}');
  });

  it('hands the app its CA through a volume the app mounts read-only; its keys stay in a volume of its own', () => {
    const caFile = env.DEMO_PROVIDER_CA ?? '';
    // the app is told of the file by .env, with the profile (docs/deploying.md's lines)
    assert.equal(app?.environment?.NODE_EXTRA_CA_CERTS, undefined);
    assert.match(read('docs/deploying.md'), new RegExp(`^NODE_EXTRA_CA_CERTS=${caFile}$`, 'm'));
    const caDir = path.posix.dirname(caFile);
    assert.ok(provider?.volumes?.includes(`demo-provider-ca:${caDir}`), 'the provider writes the CA certificate there');
    assert.equal(appMounts.get(caDir), `demo-provider-ca:${caDir}:ro`);
    const keysDir = env.DEMO_PROVIDER_KEYS ?? '';
    assert.ok(provider?.volumes?.includes(`demo-provider-keys:${keysDir}`));
    assert.ok(![...appMounts.values()].some((volume) => volume.startsWith('demo-provider-keys:')), 'the app never sees the keys');
    assert.ok(compose.volumes && 'demo-provider-ca' in compose.volumes && 'demo-provider-keys' in compose.volumes, 'named volumes');
  });

  it('starts before the app when its profile is on, and is no requirement when it is off', () => {
    assert.deepEqual(app?.depends_on?.['demo-provider'], { condition: 'service_healthy', required: false });
  });

  it('is a provider the app accepts in production, as .env would name it', () => {
    const config = loadConfig({
      ...Object.fromEntries(Object.entries(app?.environment ?? {}).map(([name, value]) => [name, value.replace(/\$\{\w+:-([^}]*)\}/g, '$1')])),
      SESSION_SECRET: 'x'.repeat(40),
      PASSWORD_PEPPER: 'y'.repeat(40),
      TWO_FACTOR_KEY: 'z'.repeat(40),
      OIDC_ISSUER: env.OIDC_ISSUER,
      OIDC_CLIENT_ID: 'cloakroom-demo',
      OIDC_CLIENT_SECRET: 'a-secret-of-this-demo',
      OIDC_PROVIDER_NAME: 'Demo ID',
    });
    assert.equal(config.isProduction, true);
    const settings = config.settings.oidc as OidcSettings;
    assert.equal(settings.provider, 'configured');
    if (settings.provider === 'configured') {
      assert.equal(settings.client.issuer, env.OIDC_ISSUER);
      assert.equal(settings.redirectUri, env.OIDC_REDIRECT_URI?.replace('${SITE_ADDRESS:-localhost}', 'localhost'));
    }
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

  it("has the demo provider's stage on the build's (oidc-provider is a development dependency), and the production image last", () => {
    const stages = [...dockerfile.matchAll(/^FROM (\S+)(?: AS (\S+))?$/gm)].map(([, from, name]) => ({ from, name }));
    assert.deepEqual(stages.find((stage) => stage.name === 'demo-provider'), { from: 'build', name: 'demo-provider' });
    assert.equal(stages.at(-1)?.name, undefined, 'docker build without --target builds the production image');
    assert.match(dockerfile, /^CMD \["node", "--import", "tsx", "tools\/demo-oidc-provider\.ts"\]$/m);
    assert.match(dockerfile, new RegExp(`^EXPOSE ${new URL(compose.services['demo-provider']?.environment?.OIDC_ISSUER ?? '').port}$`, 'm'));
  });

  it('leaves secrets, dependencies and local data out of the build context', () => {
    const ignored = read('.dockerignore').split('\n');
    for (const entry of ['node_modules', '.env', '.data', '.git']) assert.ok(ignored.includes(entry), entry);
  });
});
