// Mail delivery: a mail server that fails never fails a page (the failure is
// logged, without SMTP_URL's password), and the catcher's inbox page exists
// only outside production. A failure is logged by its codes, never with an address.
// The catcher's inbox, given a folder (development), survives a restart.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { PRODUCTION_TEST_ENV, useTestApp } from '../../helpers/app.js';
import { Client, uniqueUsername } from '../../helpers/client.js';
import { captureLogs, eventually } from '../../helpers/logs.js';
import { PASSWORD } from '../../helpers/mail.js';
import { startMailCatcher, type CatcherOptions } from '../../../src/mail/catcher.js';
import { smtpMailer } from '../../../src/mail/mailer.js';
import { createOutbox } from '../../../src/mail/outbox.js';

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

describe("the catcher's inbox kept in a folder", () => {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'cloakroom-inbox-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  /** Starts a catcher, mails it one message per subject, and stops it. */
  async function catchMail(options: CatcherOptions, subjects: string[]) {
    const catcher = await startMailCatcher(options);
    const mailer = smtpMailer(catcher.smtpUrl, 'Cloakroom <no-reply@example.test>');
    try {
      for (const subject of subjects) {
        const after = catcher.lastId();
        await mailer.send({ to: 'Kept@Example.test', subject, text: `${subject}: https://cloakroom.test/x`, html: `<p>${subject}</p>` });
        await catcher.waitFor('kept@example.test', { after, timeoutMs: 10_000 });
      }
      return catcher.messages();
    } finally {
      mailer.close();
      await catcher.stop();
    }
  }

  it('lists the mail a stopped catcher caught in the same folder, and numbers on from it', async () => {
    const folder = path.join(scratch, 'kept');
    const [caught] = await catchMail({ folder }, ['first']);
    const restarted = await startMailCatcher({ folder });
    try {
      assert.deepEqual(restarted.messages(), [caught], 'the same message, its date a Date again');
      assert.ok(restarted.messages()[0]?.receivedAt instanceof Date);
      assert.equal(restarted.lastId(), caught?.id);
      assert.equal((await restarted.waitFor('kept@example.test')).subject, 'first', 'waitFor finds it too');
    } finally {
      await restarted.stop();
    }
    const [second] = await catchMail({ folder }, ['second']);
    assert.equal(second?.id, (caught?.id ?? 0) + 1, 'a new message after the restart gets the next id');
    const again = await startMailCatcher({ folder });
    assert.deepEqual(again.messages().map((m) => m.subject), ['second', 'first'], 'newest first');
    await again.stop();
  });

  it('keeps only the newest messages, in the file and after a restart with a lower bound', async () => {
    const folder = path.join(scratch, 'bounded');
    const messages = await catchMail({ folder, keep: 3 }, ['m1', 'm2', 'm3', 'm4', 'm5']);
    assert.deepEqual(messages.map((m) => m.subject), ['m5', 'm4', 'm3']);
    const saved = JSON.parse(readFileSync(path.join(folder, 'inbox.json'), 'utf8')) as { subject: string }[];
    assert.deepEqual(saved.map((m) => m.subject), ['m5', 'm4', 'm3'], 'the file holds no more than the inbox');
    const smaller = await startMailCatcher({ folder, keep: 2 });
    assert.deepEqual(smaller.messages().map((m) => m.subject), ['m5', 'm4']);
    await smaller.stop();
  });

  it('starts empty, and says why, when the file is damaged', async () => {
    const folder = path.join(scratch, 'damaged');
    await catchMail({ folder }, ['lost']);
    writeFileSync(path.join(folder, 'inbox.json'), '{"not": "a list"');
    const problems: string[] = [];
    const catcher = await startMailCatcher({ folder, onError: (_err, what) => problems.push(what) });
    assert.deepEqual(catcher.messages(), []);
    assert.equal(catcher.lastId(), 0);
    await catcher.stop();
    assert.equal(problems.length, 1);
    assert.match(problems[0] ?? '', /^reading .*inbox\.json$/);
  });
});
