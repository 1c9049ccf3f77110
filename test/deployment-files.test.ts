// No Docker engine runs in CI, so the deployment files are checked by reading
// them: what they pass and expose must match what the app actually reads.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { CONFIG_VARIABLES, loadConfig } from '../src/config.js';
import { PROJECT_ROOT } from '../src/paths.js';

const read = (file: string) => readFileSync(path.join(PROJECT_ROOT, file), 'utf8');

interface ComposeService {
  image?: string;
  build?: unknown;
  restart?: string;
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition?: string }>;
  healthcheck?: { test?: string[] };
  ports?: string[];
  volumes?: string[];
}

const compose = parse(read('docker-compose.yml')) as {
  services: Record<string, ComposeService>;
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
  const { mongo, app } = compose.services;

  it('runs an official mongo image with a pinned major version, a volume and a healthcheck', () => {
    assert.ok(mongo, 'a mongo service');
    assert.match(mongo.image ?? '', /^mongo:\d+(\.\d+)*$/);
    const volume = mongo.volumes?.[0]?.split(':')[0];
    assert.ok(volume && compose.volumes && volume in compose.volumes, 'a named volume for /data/db');
    assert.ok(mongo.healthcheck?.test?.join(' ').includes('ping'));
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

  it('gives the config what production requires, and checks the port it listens on', () => {
    const env = { ...app?.environment, SESSION_SECRET: 'x'.repeat(40), PASSWORD_PEPPER: 'y'.repeat(40) };
    const config = loadConfig(env);
    assert.equal(config.isProduction, true);
    assert.equal(config.host, '0.0.0.0');
    const published = app?.ports?.[0]?.split(':').at(-1);
    assert.equal(Number(published), config.port);
    // the app is healthy when it is ready: serving, and its database answers
    assert.ok(app?.healthcheck?.test?.join(' ').includes(`:${config.port}/readyz`));
    // Docker's grace period outlasts the app's own
    const grace = Number(/^(\d+)s$/.exec(String((app as { stop_grace_period?: string }).stop_grace_period))?.[1]);
    assert.ok(grace * 1000 > config.shutdownGraceMs, 'stop_grace_period longer than SHUTDOWN_GRACE_SECONDS');
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');

  it('builds in stages and runs the compiled server as a non-root user in production mode', () => {
    assert.ok((dockerfile.match(/^FROM /gm) ?? []).length >= 2, 'multi-stage');
    assert.match(dockerfile, /npm ci --omit=dev/);
    assert.match(dockerfile, /^USER node$/m);
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
