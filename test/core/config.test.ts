import assert from 'node:assert/strict';
import os from 'node:os';
import { describe, it } from 'node:test';
import { CONFIG_VARIABLES, ConfigError, DEV_SESSION_SECRET, loadConfig as loadCoreConfig, trustProxyWarning } from '../../src/config.js';
import { FEATURE_SETTINGS } from '../../src/features/index.js';

// the configuration as the app loads it: the core's variables and the features'
const loadConfig = (env: NodeJS.ProcessEnv) => loadCoreConfig(env, FEATURE_SETTINGS);

const SECRET = 'x'.repeat(40);

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('config', () => {
  it('has safe development defaults', () => {
    const config = loadConfig({});
    assert.equal(config.env, 'development');
    assert.equal(config.port, 3000);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.mongodbUri, undefined);
    assert.equal(config.passwords.bcryptCost, 12);
    assert.equal(config.session.idleTimeoutMs, 30 * 60_000);
    assert.equal(config.session.absoluteTimeoutMs, 12 * 3_600_000);
    assert.equal(config.session.cookieName, 'cloakroom.sid');
    assert.equal(config.session.secureCookie, false);
    assert.deepEqual(config.session.secrets, [DEV_SESSION_SECRET]);
    assert.equal(config.session.usingDevSecret, true);
    assert.equal(config.trustProxy, false);
  });

  it('refuses to start in production without MONGODB_URI and SESSION_SECRET', () => {
    const found = problems({ NODE_ENV: 'production' });
    assert.ok(found.some((p) => p.startsWith('MONGODB_URI is required')));
    assert.ok(found.some((p) => p.startsWith('SESSION_SECRET is required')));
  });

  it('refuses short or example secrets in production', () => {
    const base = { NODE_ENV: 'production', MONGODB_URI: 'mongodb://db/cloakroom' };
    assert.ok(problems({ ...base, SESSION_SECRET: 'short' }).some((p) => p.includes('at least 32 characters')));
    assert.ok(
      problems({ ...base, SESSION_SECRET: 'change-me-to-a-long-random-string-please' }).some((p) =>
        p.includes('example value'),
      ),
    );
  });

  it('uses Secure cookies in production and accepts rotated secrets', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      MONGODB_URI: 'mongodb://db/cloakroom',
      SESSION_SECRET: `${SECRET}, ${'y'.repeat(40)}`,
      PASSWORD_PEPPER: 'z'.repeat(40),
      TWO_FACTOR_KEY: 'k'.repeat(40),
      PUBLIC_URL: 'https://cloakroom.example.com',
      EMAIL: 'off',
    });
    assert.equal(config.session.cookieName, '__Host-cloakroom.sid');
    assert.equal(config.session.secureCookie, true);
    assert.deepEqual(config.session.secrets, [SECRET, 'y'.repeat(40)]);
    assert.equal(config.session.usingDevSecret, false);
  });

  it('names the variable in every message', () => {
    const found = problems({
      PORT: 'eighty',
      BCRYPT_COST: '4',
      MONGODB_URI: 'postgres://x',
      SESSION_COOKIE_NAME: 'connect.sid',
      SESSION_EXPIRY_MODE: 'never',
      NODE_ENV: 'staging',
    });
    for (const name of ['PORT', 'BCRYPT_COST', 'MONGODB_URI', 'SESSION_COOKIE_NAME', 'SESSION_EXPIRY_MODE', 'NODE_ENV']) {
      assert.ok(found.some((p) => p.includes(name)), `${name} in ${JSON.stringify(found)}`);
    }
  });

  it('reads numbers, durations and proxy settings', () => {
    const config = loadConfig({
      PORT: '8080',
      SESSION_IDLE_TIMEOUT: '15m',
      SESSION_ABSOLUTE_TIMEOUT: '2h',
      BCRYPT_COST: '10',
      TRUST_PROXY: '1',
      SHUTDOWN_GRACE_SECONDS: '3',
    });
    assert.equal(config.port, 8080);
    assert.equal(config.session.idleTimeoutMs, 15 * 60_000);
    assert.equal(config.session.absoluteTimeoutMs, 2 * 3_600_000);
    assert.equal(config.passwords.bcryptCost, 10);
    assert.equal(config.trustProxy, 1);
    assert.equal(config.shutdownGraceMs, 3000);
    assert.equal(loadConfig({ TRUST_PROXY: 'loopback' }).trustProxy, 'loopback');
    assert.equal(loadConfig({ TRUST_PROXY: 'true' }).trustProxy, true);
  });

  it('trusts proxies by address: refuses TRUST_PROXY=true and warns about a hop count in production', () => {
    const production = { NODE_ENV: 'production', MONGODB_URI: 'mongodb://db/cloakroom', SESSION_SECRET: SECRET, PASSWORD_PEPPER: SECRET, PUBLIC_URL: 'https://cloakroom.example.com', TWO_FACTOR_KEY: 'k'.repeat(40), EMAIL: 'off' };
    const refused = problems({ ...production, TRUST_PROXY: 'true' });
    assert.equal(refused.length, 1);
    assert.match(refused[0] ?? '', /^TRUST_PROXY=true trusts every address.*X-Forwarded-For.*loopback.*10\.0\.0\.0\/8/);

    const warning = trustProxyWarning(loadConfig({ ...production, TRUST_PROXY: '1' }));
    assert.match(warning ?? '', /^TRUST_PROXY=1 .*X-Forwarded-For.*set TRUST_PROXY to your proxies' addresses instead: loopback/);
    for (const trustProxy of ['loopback', '10.0.0.0/8, 127.0.0.1']) {
      assert.equal(trustProxyWarning(loadConfig({ ...production, TRUST_PROXY: trustProxy })), undefined, trustProxy);
    }
    // no proxy at all: nobody could log in (the Secure cookie needs HTTPS, which the app does not serve)
    for (const trustProxy of [undefined, 'false', '0']) {
      assert.match(trustProxyWarning(loadConfig({ ...production, TRUST_PROXY: trustProxy })) ?? '', /no proxy is trusted.*nobody can log in/, String(trustProxy));
    }
    // outside production a hop count or true is the developer's business
    assert.equal(trustProxyWarning(loadConfig({ TRUST_PROXY: '1' })), undefined);
    assert.equal(loadConfig({ TRUST_PROXY: 'true' }).trustProxy, true);
  });

  it('bounds the wait for a database that does not answer', () => {
    assert.equal(loadConfig({}).db.responseTimeoutMs, 4000);
    assert.equal(loadConfig({ DB_RESPONSE_TIMEOUT_MS: '1500' }).db.responseTimeoutMs, 1500);
    assert.deepEqual(problems({ DB_RESPONSE_TIMEOUT_MS: '0' }), ['DB_RESPONSE_TIMEOUT_MS must be at least 100']);
  });

  it('hashes passwords on one thread per core unless told otherwise', () => {
    assert.equal(loadConfig({}).passwords.hashThreads, os.availableParallelism());
    assert.equal(loadConfig({ PASSWORD_HASH_THREADS: '3' }).passwords.hashThreads, 3);
    assert.deepEqual(problems({ PASSWORD_HASH_THREADS: '0' }), ['PASSWORD_HASH_THREADS must be at least 1']);
    assert.deepEqual(problems({ PASSWORD_HASH_THREADS: 'many' }), ['PASSWORD_HASH_THREADS must be a whole number']);
  });

  it('throttles with the documented defaults, and names each limit it refuses', () => {
    assert.deepEqual(loadConfig({}).throttle, {
      maxConsecutiveFailures: 10,
      lockoutMs: 15 * 60_000,
      maxFailuresPerIpPerDay: 100,
      checksAtOncePerIp: 4,
      registrationsPerIpPerHour: 10,
      anonymousSessionsPerIpPerHour: 300,
    });
    assert.equal(loadConfig({ LOGIN_CHECKS_AT_ONCE_PER_IP: '2' }).throttle.checksAtOncePerIp, 2);
    assert.equal(loadConfig({ ANONYMOUS_SESSIONS_PER_IP_PER_HOUR: '50' }).throttle.anonymousSessionsPerIpPerHour, 50);
    assert.deepEqual(problems({ LOGIN_CHECKS_AT_ONCE_PER_IP: '0' }), ['LOGIN_CHECKS_AT_ONCE_PER_IP must be at least 1']);
    assert.deepEqual(problems({ LOGIN_CHECKS_AT_ONCE_PER_IP: 'lots' }), ['LOGIN_CHECKS_AT_ONCE_PER_IP must be a whole number']);
    assert.deepEqual(problems({ ANONYMOUS_SESSIONS_PER_IP_PER_HOUR: 'lots' }), [
      'ANONYMOUS_SESSIONS_PER_IP_PER_HOUR must be a whole number',
    ]);
  });

  it('has no setting that slows the session store down (tools/instrumented-server.ts has one, for tests)', () => {
    assert.ok(!CONFIG_VARIABLES.includes('SESSION_STORE_DELAY_MS'));
  });
});

describe('mail settings', () => {
  const production = { NODE_ENV: 'production', MONGODB_URI: 'mongodb://db/cloakroom', SESSION_SECRET: SECRET, PASSWORD_PEPPER: SECRET, PUBLIC_URL: 'https://cloakroom.example.com', TWO_FACTOR_KEY: 'k'.repeat(40) };

  it('are on by default, with the local mail catcher and the documented lifetimes and limits', () => {
    assert.deepEqual(loadConfig({}).mail, { enabled: true, smtpUrl: undefined, from: 'Cloakroom <no-reply@localhost>' });
    // the mail feature's own (features/mail/settings.ts)
    assert.deepEqual(loadConfig({}).settings.mail, {
      passwordResetLifetimeMs: 30 * 60_000,
      signInLinkLifetimeMs: 15 * 60_000,
      verificationLifetimeMs: 24 * 3_600_000,
      resetRequestsPerIpPerHour: 20,
      resetMailsPerAccountPerHour: 3,
      verificationMailsPerAccountPerHour: 5,
      verificationMailsPerAddressPerHour: 3,
      registrationMailsPerAddressPerHour: 3,
    });
    assert.equal(loadConfig({ EMAIL: 'off' }).mail.enabled, false);
  });

  it('in production need an SMTP server and a sender while mail is on, and say how to turn it off', () => {
    const found = problems(production);
    assert.ok(found.some((p) => /^SMTP_URL is required when NODE_ENV=production and EMAIL=on.*or set EMAIL=off/.test(p)), found.join('\n'));
    assert.ok(found.some((p) => p.startsWith('MAIL_FROM is required when NODE_ENV=production and EMAIL=on')));
    assert.doesNotThrow(() => loadConfig({ ...production, SMTP_URL: 'smtps://user:pass@smtp.example.com:465', MAIL_FROM: 'no-reply@example.com' }));
    assert.doesNotThrow(() => loadConfig({ ...production, EMAIL: 'off' }));
  });

  it('refuse what is not an SMTP URL or an address, without repeating the value (it may hold a password)', () => {
    const found = problems({ SMTP_URL: 'https://user:hunter2@mail.example.com', MAIL_FROM: 'nobody', EMAIL: 'yes' });
    assert.equal(found.length, 3, found.join('\n'));
    assert.ok(found.some((p) => p.startsWith('SMTP_URL must be a URL such as smtp://')));
    assert.ok(found.some((p) => p.startsWith('MAIL_FROM must be an address')));
    assert.ok(found.some((p) => p === 'EMAIL must be on or off'));
    assert.ok(!found.join('\n').includes('hunter2'));
  });

  it('keep a reset link to 30 minutes at most', () => {
    assert.deepEqual(loadConfig({ PASSWORD_RESET_LINK_LIFETIME: '10m' }).settings.mail, { ...loadConfig({}).settings.mail as object, passwordResetLifetimeMs: 10 * 60_000 });
    assert.deepEqual(problems({ PASSWORD_RESET_LINK_LIFETIME: '31m' }), [
      'PASSWORD_RESET_LINK_LIFETIME must be at most 30m: a reset link works like a password for as long as it lasts',
    ]);
  });
});

describe('security log settings', () => {
  it('keep events 90 days, 200 per account, unless set', () => {
    assert.deepEqual(loadConfig({}).securityLog, { retentionMs: 90 * 86_400_000, maxPerAccount: 200 });
    assert.deepEqual(loadConfig({ SECURITY_LOG_RETENTION: '30d', SECURITY_LOG_MAX_PER_ACCOUNT: '50' }).securityLog, {
      retentionMs: 30 * 86_400_000,
      maxPerAccount: 50,
    });
  });

  it('refuse values that are not a sensible duration or count, naming the variable', () => {
    for (const value of ['90', 'forever', '12h', '3650d']) {
      assert.ok(
        problems({ SECURITY_LOG_RETENTION: value }).some((p) => p.startsWith('SECURITY_LOG_RETENTION must')),
        `SECURITY_LOG_RETENTION=${value}`,
      );
    }
    for (const value of ['lots', '-1', '5', '100000']) {
      assert.ok(
        problems({ SECURITY_LOG_MAX_PER_ACCOUNT: value }).some((p) => p.startsWith('SECURITY_LOG_MAX_PER_ACCOUNT must')),
        `SECURITY_LOG_MAX_PER_ACCOUNT=${value}`,
      );
    }
  });
});
