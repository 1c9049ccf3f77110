// Mail delivery: a mail server that fails never fails a page (the failure is
// logged, without SMTP_URL's password), and the catcher's inbox page exists
// only outside production. A failure is logged by its codes, never with an address.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PRODUCTION_TEST_ENV, useTestApp } from './helpers/app.js';
import { Client, uniqueUsername } from './helpers/client.js';
import { captureLogs, eventually } from './helpers/logs.js';
import { PASSWORD } from './helpers/mail.js';
import { createOutbox } from '../src/mail/outbox.js';

describe('a mail server that is down', () => {
  const logs = captureLogs();
  const SMTP_PASSWORD = 'smtp-password-never-logged';
  // port 9 (discard) on this machine: nothing listens, every connection is refused
  const broken = useTestApp({ env: { SMTP_URL: `smtp://mailer:${SMTP_PASSWORD}@127.0.0.1:9` }, logger: logs.logger });

  it('fails no page: forgot password, registration with an address; each failure is logged without the password', async () => {
    const app = broken.app;
    const username = uniqueUsername('smtp_down');
    const email = `${username.toLowerCase()}@example.test`;
    const res = await new Client(app.baseUrl).post('/register', { username, password: PASSWORD, confirmPassword: PASSWORD, email });
    assert.equal(res.status, 303, 'registered, though the confirmation mail cannot go out');
    // a confirmed address, as if its link had been followed
    await app.users.updateOne({ usernameKey: username.toLowerCase() }, { $set: { email, emailKey: email } });
    for (const identifier of [username, email]) {
      const asked = await new Client(app.baseUrl).post('/forgot-password', { identifier }, { formPage: '/forgot-password' });
      assert.equal(asked.status, 303, identifier);
      assert.equal(asked.headers.get('location'), '/forgot-password/sent');
    }
    await app.mailSettled();
    await eventually(() => logs.events().filter((e) => e.event === 'password-reset-request').length === 2, 'two failed reset mails logged');
    assert.ok(logs.events().some((e) => e.event === 'email-verification-mail' && e.level === 50), 'the failed confirmation mail is logged as an error');
    assert.ok(!logs.lines.join('\n').includes(SMTP_PASSWORD), "SMTP_URL's password is in no log line");
  });
});

describe('the inbox page', () => {
  const dev = useTestApp();
  const prod = useTestApp({ env: PRODUCTION_TEST_ENV });

  it('shows the catcher\'s mail in development', async () => {
    const res = await new Client(dev.app.baseUrl).get('/dev/mail');
    assert.equal(res.status, 200);
    assert.match(await res.text(), /<h1>Mail catcher<\/h1>/);
  });

  it('does not exist in production', async () => {
    const res = await new Client(prod.app.baseUrl, { 'x-forwarded-proto': 'https' }).get('/dev/mail');
    assert.equal(res.status, 404);
  });

  const MAIL_LINK = /<a href="\/dev\/mail"[^>]*>Mail<\/a>/;
  const INBOX_LINK = /<a href="\/dev\/mail">Open the dev inbox<\/a>/;

  it('is linked from the header in development, for visitors and signed-in users alike', async () => {
    const client = new Client(dev.app.baseUrl);
    assert.match(await (await client.get('/')).text(), MAIL_LINK);
    assert.equal((await client.register(uniqueUsername('mail_nav'))).status, 303);
    assert.match(await (await client.get('/dashboard')).text(), MAIL_LINK);
  });

  it('is offered on every page that says a mail was sent, in development', async () => {
    const client = new Client(dev.app.baseUrl);
    // registration with an address: the dashboard says where the link went
    const username = uniqueUsername('mail_reg');
    const res = await client.post('/register', { username, password: PASSWORD, confirmPassword: PASSWORD, email: `${username.toLowerCase()}@example.test` });
    assert.equal(res.headers.get('location'), '/dashboard?notice=address-mailed');
    const dashboard = await (await client.get('/dashboard?notice=address-mailed')).text();
    assert.match(dashboard, /We have sent a link to the email address you gave/);
    assert.match(dashboard, INBOX_LINK, 'registration with an address');
    // the dashboard without that notice does not
    assert.doesNotMatch(await (await client.get('/dashboard')).text(), INBOX_LINK);
    // an email change (the registration's login is recent: no password asked again)
    const changed = await client.post('/account/email', { email: `${username.toLowerCase()}.new@example.test` }, { formPage: '/account/email' });
    assert.equal(changed.headers.get('location'), '/account/email?done=sent');
    assert.match(await (await client.get('/account/email?done=sent')).text(), INBOX_LINK, 'email change sent');
    assert.doesNotMatch(await (await client.get('/account/email')).text(), INBOX_LINK);
    // forgot password
    assert.match(await (await new Client(dev.app.baseUrl).get('/forgot-password/sent')).text(), INBOX_LINK, 'forgot password sent');
  });

  it('is linked from nowhere in production', async () => {
    const client = new Client(prod.app.baseUrl, { 'x-forwarded-proto': 'https' });
    assert.doesNotMatch(await (await client.get('/')).text(), MAIL_LINK);
    assert.doesNotMatch(await (await client.get('/forgot-password/sent')).text(), /\/dev\/mail/);
  });
});

describe('the inbox links with a real SMTP server in development', () => {
  const smtp = useTestApp({ env: { SMTP_URL: 'smtp://127.0.0.1:9' } });

  it('are not there: there is no inbox to open', async () => {
    const client = new Client(smtp.app.baseUrl);
    assert.doesNotMatch(await (await client.get('/')).text(), /\/dev\/mail/);
    assert.doesNotMatch(await (await client.get('/forgot-password/sent')).text(), /\/dev\/mail/);
  });
});

describe('a failed background mail', () => {
  it('is logged with its codes only: never the message, which may hold the recipient\'s address', async () => {
    const logs = captureLogs();
    const address = 'someone.private@example.test';
    // what nodemailer throws when the server refuses a recipient: the reply, address included
    const refused = Object.assign(new Error(`Can't send mail - all recipients were rejected: 550 5.1.1 <${address}>: Recipient address rejected`), { code: 'EENVELOPE', responseCode: 550 });
    const outbox = createOutbox({ send: () => Promise.reject(refused), close: () => undefined }, logs.logger);
    outbox.send('email-verification-mail', { to: address, subject: 'x', text: 'x', html: 'x' });
    await outbox.drained();
    const failure = logs.events().find((e) => e.event === 'email-verification-mail');
    assert.deepEqual(failure?.err, { name: 'Error', code: 'EENVELOPE', responseCode: 550 });
    assert.ok(!logs.lines.join('\n').includes(address), 'the address is in no log line');
  });
});
