// New recovery codes between the form that makes them and the one page that
// shows them: they wait in the session, and the session store is a database
// that backups copy, so they must never lie there in the clear. Each test
// reads the whole sessions collection straight from MongoDB at that moment,
// then loads the page and looks for the codes it shows in what was stored.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { codeAt } from '../../../src/features/two-factor/totp.js';
import { RECOVERY_CODES_SHOW_MAX_AGE_MS } from '../../../src/features/two-factor/second-factor.js';
import { useTestApp } from '../../helpers/app.js';
import { Client, storedIdFromCookie, testIdText, uniqueUsername } from '../../helpers/client.js';
import { recoveryCodesIn, turnOnTwoFactor } from '../../helpers/two-factor.js';

const fixture = useTestApp();
const sessions = () => fixture.app.connection.getClient().db(fixture.app.connection.name).collection('sessions');

/** Every session document, as the JSON a backup of the collection would hold. */
async function wholeStore(): Promise<string> {
  return JSON.stringify(await sessions().find().toArray()).toLowerCase();
}

/** The codes a stored copy gives away: as shown, or without their dashes (how they are typed). */
function leaked(store: string, codes: string[]): string[] {
  return codes.filter((code) => store.includes(code.toLowerCase()) || store.includes(code.toLowerCase().replace(/-/g, '')));
}

async function loggedIn(prefix: string): Promise<Client> {
  const client = new Client(fixture.app.baseUrl);
  assert.equal((await client.register(uniqueUsername(prefix))).status, 303);
  return client;
}

/** The codes page, once; its codes (none once shown). */
async function codesPage(client: Client): Promise<{ status: number; codes: string[]; html: string }> {
  const page = await client.get('/account/recovery-codes');
  const html = page.status === 200 ? await page.text() : '';
  return { status: page.status, codes: recoveryCodesIn(html), html };
}

describe('recovery codes waiting for their page', () => {
  it('are not in any session document in the clear after two-factor is turned on, and are still shown once', async () => {
    const client = await loggedIn('codes_on');
    const setup = await client.get('/account/two-factor');
    const secret = testIdText(await setup.text(), 'totp-secret');
    const res = await client.post('/account/two-factor', { code: codeAt(secret, Date.now()) }, { formPage: '/account/two-factor' });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/account/recovery-codes');

    const stored = await wholeStore();
    const shown = await codesPage(client);
    assert.equal(shown.status, 200);
    assert.equal(shown.codes.length, 10, 'the page still shows the ten codes');
    assert.deepEqual(leaked(stored, shown.codes), [], 'a code lay in the session store in the clear');
    assert.equal((await codesPage(client)).status, 303, 'a reload shows none');
  });

  it('are not in any session document in the clear after new ones are made, and are still shown once', async () => {
    const client = await loggedIn('codes_new');
    await turnOnTwoFactor(client);
    for (let round = 1; round <= 3; round += 1) {
      const made = await client.post('/account/recovery-codes', {}, { formPage: '/account/two-factor' });
      assert.equal(made.status, 303, `round ${round}`);
      const stored = await wholeStore();
      const shown = await codesPage(client);
      assert.equal(shown.codes.length, 10, `round ${round}: the page shows them`);
      assert.deepEqual(leaked(stored, shown.codes), [], `round ${round}: a code lay in the session store in the clear`);
      assert.deepEqual(leaked(await wholeStore(), shown.codes), [], `round ${round}: nor after they were shown`);
      assert.equal((await codesPage(client)).status, 303, `round ${round}: a reload shows none`);
    }
  });

  it('are dropped unseen once they have waited longer than the page allows, and the page says to make new ones', async () => {
    const client = await loggedIn('codes_late');
    await turnOnTwoFactor(client);
    const made = await client.post('/account/recovery-codes', {}, { formPage: '/account/two-factor' });
    assert.equal(made.status, 303);
    // the page opened later than allowed, as far as the session is concerned
    const id = storedIdFromCookie(client.cookies.get(fixture.app.config.session.cookieName));
    const { modifiedCount } = await sessions().updateOne(
      { _id: id as never, 'session.recoveryCodesToShow': { $exists: true } },
      { $inc: { 'session.recoveryCodesToShow.madeAt': -(RECOVERY_CODES_SHOW_MAX_AGE_MS + 1000) } },
    );
    assert.equal(modifiedCount, 1, 'the codes were waiting in this session');
    const late = await codesPage(client);
    assert.equal(late.status, 200);
    assert.deepEqual(late.codes, [], 'no code is shown');
    assert.match(late.html, /data-testid="recovery-codes-expired"/);
    assert.match(late.html, /Make new/);
    const after = await sessions().findOne({ _id: id as never });
    assert.equal((after?.session as Record<string, unknown> | undefined)?.recoveryCodesToShow, undefined, 'and they left the session');
    assert.equal((await codesPage(client)).status, 303);
  });
});
