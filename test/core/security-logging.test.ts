// Authentication events are logged as structured lines (ASVS V16), and the
// log never holds what would let its reader take over an account or session.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTestApp } from '../helpers/app.js';
import { Client, sessionIdFromCookie, uniqueUsername } from '../helpers/client.js';
import { captureLogs } from '../helpers/logs.js';

const logs = captureLogs();
const fixture = useTestApp({
  logger: logs.logger,
  env: { LOGIN_MAX_CONSECUTIVE_FAILURES: '2', LOGIN_LOCKOUT: '1m' },
});

describe('authentication events', () => {
  it('are logged for each step of the journey, without secrets', async () => {
    const password = 'a very secret passphrase 42';
    const username = uniqueUsername('logged');
    const client = new Client(fixture.app.baseUrl);
    const secrets: string[] = [password];

    await client.register(username, password);
    secrets.push(sessionIdFromCookie(client.cookies.get(fixture.app.config.session.cookieName)));
    secrets.push(await client.csrfToken('/'));
    await client.post('/logout', { _csrf: 'forged-token-value' });
    await client.post('/logout');

    await new Client(fixture.app.baseUrl).login(username, password);
    const other = new Client(fixture.app.baseUrl);
    await other.login(uniqueUsername('nobody'), 'whatever it is');
    await other.login(username, 'wrong password 1');
    await other.login(username, 'wrong password 2');
    await other.login(username, password);

    const events = logs.events();
    const names = events.map((e) => e.event);
    for (const expected of ['register', 'csrf-rejected', 'logout', 'login-failed', 'lockout', 'login-blocked', 'login']) {
      assert.ok(names.includes(expected), `${expected} in ${names.join(', ')}`);
    }
    const reasons = events.filter((e) => e.event === 'login-failed').map((e) => e.reason);
    assert.deepEqual(reasons, ['unknown-user', 'bad-password', 'bad-password']);

    const user = await fixture.app.users.findOne({ usernameKey: username.toLowerCase() }).lean();
    assert.ok(user);
    secrets.push(user.passwordHash);
    const text = logs.lines.join('\n');
    for (const secret of secrets) {
      assert.ok(secret.length > 8);
      assert.ok(!text.includes(secret), `the log holds a secret: ${secret.slice(0, 6)}…`);
    }
  });
});
