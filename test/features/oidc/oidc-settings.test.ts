// oidc's settings (src/features/oidc/settings.ts): all three of
// OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET, or none; none turns
// the feature off outside development (no button, its addresses 404).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../../src/config.js';
import { FEATURE_SETTINGS } from '../../../src/features/index.js';
import type { OidcSettings } from '../../../src/features/oidc/settings.js';
import { usernameFrom } from '../../../src/features/oidc/accounts.js';
import { useTestApp } from '../../helpers/app.js';
import { configProblems, PRODUCTION_CONFIG_ENV } from '../../helpers/config.js';
import { Client } from '../../helpers/client.js';
import { signInAtProvider } from '../../helpers/oidc.js';

const production = { ...PRODUCTION_CONFIG_ENV, FEATURES: 'oidc' };
const problems = configProblems;

const settingsOf = (env: Record<string, string>) => loadConfig(env, FEATURE_SETTINGS).settings.oidc as OidcSettings;

describe('the oidc settings', () => {
  it('are off in production without a provider, and a local provider in development', () => {
    assert.deepEqual(settingsOf(production), { provider: 'off' });
    assert.equal(settingsOf({ NODE_ENV: 'development', FEATURES: 'oidc' }).provider, 'local');
    assert.deepEqual(settingsOf({ NODE_ENV: 'test', FEATURES: 'oidc' }), { provider: 'off' });
  });

  it('take a variable set empty as unset (a .env line `OIDC_ISSUER=`, which Compose passes on)', () => {
    const empty = { OIDC_ISSUER: '', OIDC_CLIENT_ID: '', OIDC_CLIENT_SECRET: '', OIDC_PROVIDER_NAME: ' ' };
    assert.deepEqual(problems({ ...production, ...empty }), []);
    assert.deepEqual(settingsOf({ ...production, ...empty }), { provider: 'off' });
    assert.equal(settingsOf({ NODE_ENV: 'development', FEATURES: 'oidc', ...empty }).provider, 'local');
    assert.match(problems({ ...production, ...empty, OIDC_ISSUER: 'https://login.localhost:8443' }).join('\n'), /^OIDC_CLIENT_ID and OIDC_CLIENT_SECRET are not set/);
  });

  it("name what is missing from a partial configuration", () => {
    assert.match(problems({ ...production, OIDC_ISSUER: 'https://id.example.com' }).join('\n'), /^OIDC_CLIENT_ID and OIDC_CLIENT_SECRET are not set/);
    assert.match(problems({ ...production, OIDC_CLIENT_ID: 'c', OIDC_CLIENT_SECRET: 's' }).join('\n'), /^OIDC_ISSUER is not set/);
  });

  it('take the redirect URI from PUBLIC_URL, and want https in production', () => {
    const settings = settingsOf({ ...production, OIDC_ISSUER: 'https://id.example.com', OIDC_CLIENT_ID: 'c', OIDC_CLIENT_SECRET: 's', OIDC_PROVIDER_NAME: 'Example ID' });
    assert.deepEqual(settings, {
      provider: 'configured',
      name: 'Example ID',
      redirectUri: 'https://cloakroom.example.com/login/oidc/callback',
      client: { issuer: 'https://id.example.com', clientId: 'c', clientSecret: 's' },
    });
    assert.match(problems({ ...production, OIDC_ISSUER: 'http://id.example.com', OIDC_CLIENT_ID: 'c', OIDC_CLIENT_SECRET: 's' }).join('\n'), /OIDC_ISSUER must start with https:\/\//);
    assert.equal((settingsOf({ FEATURES: 'oidc', OIDC_ISSUER: 'https://id.example.com', OIDC_CLIENT_ID: 'c', OIDC_CLIENT_SECRET: 's' }) as { name: string }).name, 'your provider');
  });
});

describe('new usernames from an address', () => {
  it("keep the local part's allowed characters, within the username's length", () => {
    assert.equal(usernameFrom('alice@example.test'), 'alice');
    assert.equal(usernameFrom('a+b@example.test'), 'abuser');
    assert.equal(usernameFrom(`${'x'.repeat(40)}@example.test`, '-abc123'), `${'x'.repeat(25)}-abc123`);
  });
});

describe('the feature on, without a provider (a test run without OIDC_ISSUER)', () => {
  const fixture = useTestApp();

  it('shows no button, and answers 404 at its addresses', async () => {
    const client = new Client(fixture.app.baseUrl);
    assert.doesNotMatch(await (await client.get('/login')).text(), /oidc/);
    assert.equal((await client.post('/login/oidc/start', {}, { formPage: '/login' })).status, 404);
    assert.equal((await client.get('/login/oidc/callback?state=x&code=y')).status, 404);
    assert.equal((await client.get('/account/linked')).status, 404);
  });
});

describe('development without a provider: the local one', () => {
  const fixture = useTestApp({ env: { NODE_ENV: 'development', FEATURES: 'oidc', LOCAL_DB_DIR: '' } });

  it('starts with the app, and alice (verified) signs up through it', async () => {
    const client = new Client(fixture.app.baseUrl);
    assert.match(await (await client.get('/login')).text(), /Sign in with your provider/);
    const start = await client.post('/login/oidc/start', {}, { formPage: '/login' });
    assert.equal(start.status, 303);
    const location = start.headers.get('location') ?? '';
    assert.match(location, /^http:\/\/127\.0\.0\.1:\d+\//);
    const done = await client.get(await signInAtProvider(location, 'alice'));
    assert.equal(done.status, 303);
    assert.equal((await fixture.app.users.findOne({ email: 'alice@example.test' }).lean())?.username, 'alice');
  });
});
