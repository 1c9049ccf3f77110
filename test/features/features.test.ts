// Features: FEATURES turns two-factor, passkeys, mail and oidc on and off
// (src/feature.ts, src/features/). With none, the core journey works on its
// own, and no page links to a feature or answers at its addresses.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import { enabledFeatures, FEATURE_SETTINGS, FEATURES } from '../../src/features/index.js';
import { useTestApp } from '../helpers/app.js';
import { configProblems, PRODUCTION_CONFIG_ENV } from '../helpers/config.js';
import { Client, uniqueUsername } from '../helpers/client.js';
import { turnOnTwoFactor } from '../helpers/two-factor.js';

// every address a feature answers at, and what the core's pages link to
const TWO_FACTOR_URLS = ['/login/two-factor', '/account/two-factor', '/account/recovery-codes'];
const PASSKEY_URLS = ['/login/passkey', '/account/passkeys', '/account/passkeys/new', '/account/confirm/passkey'];
const MAIL_URLS = ['/forgot-password', '/sign-in-link', '/account/email', '/verify-email', '/not-me'];
const OIDC_URLS = ['/login/oidc/start', '/login/oidc/callback', '/account/linked'];

/** The page's links and form targets to a feature's addresses. */
function featureLinksIn(html: string, urls: string[]): string[] {
  return [...html.matchAll(/(?:href|action|data-options)="([^"]+)"/g)].map((m) => m[1] ?? '').filter((target) => urls.some((url) => target.startsWith(url)));
}

describe('FEATURES=none: the core alone', () => {
  const fixture = useTestApp({ env: { FEATURES: 'none' } });

  it('registers, counts visits, confirms for sudo mode, logs out, logs in again and deletes the account', async () => {
    const username = uniqueUsername('core');
    const client = new Client(fixture.app.baseUrl);
    assert.equal((await client.register(username)).status, 303);
    assert.deepEqual(await client.dashboardCounts(), { session: 1, lifetime: 1 });
    assert.deepEqual(await client.dashboardCounts(), { session: 2, lifetime: 2 });

    // the logout form's page is the dashboard: a third visit
    const logout = await client.post('/logout', {}, { formPage: '/dashboard' });
    assert.equal(logout.status, 303);
    assert.equal((await client.login(username)).status, 303);
    assert.deepEqual(await client.dashboardCounts(), { session: 1, lifetime: 4 });

    // sudo mode with the password alone: no feature adds a factor
    const confirm = await client.get('/account/confirm?next=/account/delete');
    assert.equal(confirm.status, 200);
    const confirmPage = await confirm.text();
    assert.doesNotMatch(confirmPage, /name="code"/);
    assert.deepEqual(featureLinksIn(confirmPage, PASSKEY_URLS), []);
    assert.doesNotMatch(confirmPage, /passkeys\.js/);
    const confirmed = await client.post('/account/confirm', { password: 'correct horse battery', next: '/account/delete' }, { formPage: '/account/confirm' });
    assert.equal(confirmed.status, 303);
    assert.equal(confirmed.headers.get('location'), '/account/delete');

    const deleted = await client.post('/account/delete', { confirm: 'yes' }, { formPage: '/account/delete' });
    assert.equal(deleted.status, 303);
    assert.equal(deleted.headers.get('location'), '/?notice=account-deleted');
    assert.equal(await fixture.app.users.exists({ username }), null);
  });

  it('links to no feature from any page, and answers 404 at their addresses', async () => {
    const client = new Client(fixture.app.baseUrl);
    const anonymousPages = ['/', '/login', '/register'];
    for (const page of anonymousPages) {
      const html = await (await client.get(page)).text();
      assert.deepEqual(featureLinksIn(html, [...TWO_FACTOR_URLS, ...PASSKEY_URLS, ...MAIL_URLS, ...OIDC_URLS]), [], page);
      assert.doesNotMatch(html, /passkeys\.js|webauthn/, page);
    }
    await client.register(uniqueUsername('links'));
    for (const page of ['/dashboard', '/sessions', '/account/activity', '/account/password', '/account/delete']) {
      const res = await client.get(page);
      assert.equal(res.status, 200, page);
      assert.deepEqual(featureLinksIn(await res.text(), [...TWO_FACTOR_URLS, ...PASSKEY_URLS, ...MAIL_URLS, ...OIDC_URLS]), [], page);
    }
    for (const url of [...TWO_FACTOR_URLS, ...PASSKEY_URLS, ...MAIL_URLS, ...OIDC_URLS]) {
      assert.equal((await client.get(url)).status, 404, url);
    }
  });
});

describe('FEATURES=two-factor: one feature on', () => {
  const fixture = useTestApp({ env: { FEATURES: 'two-factor' } });

  it('asks for the code at login, and has no passkey pages or links', async () => {
    const username = uniqueUsername('tf');
    const client = new Client(fixture.app.baseUrl);
    await client.register(username);
    const dashboard = await (await client.get('/dashboard')).text();
    assert.deepEqual(featureLinksIn(dashboard, TWO_FACTOR_URLS), ['/account/two-factor', '/account/two-factor']);
    assert.deepEqual(featureLinksIn(dashboard, PASSKEY_URLS), []);
    await turnOnTwoFactor(client);

    const again = new Client(fixture.app.baseUrl);
    const login = await again.login(username);
    assert.equal(login.status, 303);
    assert.equal(login.headers.get('location'), '/login/two-factor');
    for (const url of PASSKEY_URLS) assert.equal((await again.get(url)).status, 404, url);
  });
});

describe('the FEATURES setting', () => {
  it('turns every feature on by default, none with "none", and names an unknown one', () => {
    assert.deepEqual(loadConfig({}).features, ['two-factor', 'passkeys', 'mail', 'oidc']);
    assert.deepEqual(loadConfig({ FEATURES: 'none' }).features, []);
    assert.deepEqual(loadConfig({ FEATURES: ' passkeys , mail ' }).features, ['passkeys', 'mail']);
    assert.equal(loadConfig({ FEATURES: 'two-factor' }).mail.enabled, false, 'mail off unless named');
    assert.throws(() => loadConfig({ FEATURES: 'two-factor,sms' }), (err: unknown) => err instanceof ConfigError && /FEATURES names "sms"/.test(err.message));
  });

  it('opens, of the features there are, the ones it names', () => {
    assert.deepEqual(FEATURES.map((feature) => feature.name), ['two-factor', 'passkeys', 'mail', 'oidc']);
    assert.deepEqual(enabledFeatures({ features: ['passkeys', 'mail'] }).map((feature) => feature.name), ['passkeys', 'mail']);
    assert.deepEqual(enabledFeatures({ features: [] }), []);
  });
});

describe("a feature's own settings", () => {
  const production = PRODUCTION_CONFIG_ENV;
  const problems = configProblems;

  it('are read only for the features FEATURES turns on', () => {
    // production needs TWO_FACTOR_KEY for two-factor, and only then
    assert.deepEqual(problems({ ...production, FEATURES: 'passkeys,mail' }), []);
    assert.match(problems(production).join('\n'), /^TWO_FACTOR_KEY is required when NODE_ENV=production.*or turn two-factor off with FEATURES$/);
    assert.deepEqual(Object.keys(loadConfig({ FEATURES: 'passkeys' }, FEATURE_SETTINGS).settings), ['passkeys']);
    assert.deepEqual(Object.keys(loadConfig({ FEATURES: 'none', WEBAUTHN_RP_ID: '127.0.0.1' }, FEATURE_SETTINGS).settings), [], 'an unread variable is not checked');
  });

  it("are told with the core's problems, all at once, naming each variable", () => {
    const found = problems({ ...production, SESSION_SECRET: 'short', TWO_FACTOR_KEY: 'p'.repeat(40), WEBAUTHN_RP_ID: 'example.org', PASSWORD_RESET_LINK_LIFETIME: 'soon' });
    assert.deepEqual(found.map((problem) => /[A-Z][A-Z_]{3,}/.exec(problem)?.[0]).sort(), ['PASSWORD_RESET_LINK_LIFETIME', 'SESSION_SECRET', 'TWO_FACTOR_KEY', 'WEBAUTHN_RP_ID'], found.join('\n'));
    assert.ok(found.includes('TWO_FACTOR_KEY must differ from PASSWORD_PEPPER (one leaked key must not give away both)'));
  });

  it('reach the feature they belong to, and only it', () => {
    const config = loadConfig({ TWO_FACTOR_KEY: 'k'.repeat(40), PASSWORD_RESET_LINK_LIFETIME: '10m', PUBLIC_URL: 'https://login.example.com', WEBAUTHN_RP_ID: 'example.com' }, FEATURE_SETTINGS);
    assert.deepEqual(config.settings['two-factor'], { key: 'k'.repeat(40), usingDevKey: false });
    assert.deepEqual(config.settings.passkeys, { rpId: 'example.com', origin: 'https://login.example.com', rpName: 'Cloakroom' });
    assert.equal((config.settings.mail as { passwordResetLifetimeMs: number }).passwordResetLifetimeMs, 10 * 60_000);
    for (const name of ['TWO_FACTOR_KEY', 'WEBAUTHN_RP_ID', 'PASSWORD_RESET_LINK_LIFETIME']) assert.ok(!JSON.stringify(loadConfig({}).settings).includes(name));
  });

  it('must be loaded before a feature opens: a config without them is refused with what to do', async () => {
    const config = loadConfig({});
    await assert.rejects(FEATURES[0]!.open({ config } as never), /loaded without the two-factor feature's settings: pass the features' settings to loadConfig/);
  });
});
