// Known browsers (security/known-browser.ts), through a tiny Express app on a
// real database: the cookie, "new browser" once per account even when one
// browser signs in several times at once, a forged cookie counting as none,
// nothing in the database that could be turned back into a cookie, and the
// per-account cap.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { MongoClient, type Collection } from 'mongodb';
import {
  browserKeyFor,
  KNOWN_BROWSER_LIFETIME_MS,
  KNOWN_BROWSERS_COLLECTION,
  MAX_KNOWN_BROWSERS_PER_ACCOUNT,
  openKnownBrowsers,
  type KnownBrowsers,
} from '../../src/security/known-browser.js';
import { Client, parseSetCookie } from '../helpers/client.js';
import { quietLogger, startTestDatabase, type TestDatabase } from '../helpers/database.js';

const SECRET = 'test-secret-for-known-browsers';
const expiry = { mode: 'auto', sweepIntervalMinutes: 10 } as const;

type Noted = { newBrowser: boolean; browserKey: string };

let db: TestDatabase | undefined;
let mongo: MongoClient | undefined;
let collection: Collection;
const servers: http.Server[] = [];
const stops: (() => void)[] = [];

/** An app whose POST /signed-in/:user stands for a successful sign-in, and GET /key for any later request. */
async function tinyApp(options: { secrets: string[]; secure: boolean }): Promise<{ baseUrl: string; known: KnownBrowsers }> {
  assert.ok(mongo);
  const { knownBrowsers: known, stop } = await openKnownBrowsers(mongo.db(), { expiry, session: { secrets: options.secrets, secureCookie: options.secure } }, quietLogger);
  stops.push(stop);
  const app = express();
  app.post('/signed-in/:user', async (req, res) => {
    res.json(await known.noteSignIn(req, res, req.params.user));
  });
  app.get('/key', (req, res) => {
    res.json({ browserKey: known.browserKeyOf(req) ?? null });
  });
  const server = http.createServer(app);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, known };
}

async function signIn(client: Client, user: string): Promise<Noted> {
  const res = await client.request(`/signed-in/${user}`, { method: 'POST' });
  assert.equal(res.status, 200);
  return (await res.json()) as Noted;
}

async function keyOf(client: Client): Promise<string | null> {
  return ((await (await client.get('/key')).json()) as { browserKey: string | null }).browserKey;
}

let counter = 0;
const someUser = () => `user-${process.pid}-${(counter += 1)}`;

describe('known browsers', () => {
  let app: { baseUrl: string; known: KnownBrowsers };

  before(async () => {
    db = await startTestDatabase();
    mongo = await MongoClient.connect(db.freshUri());
    collection = mongo.db().collection(KNOWN_BROWSERS_COLLECTION);
    app = await tinyApp({ secrets: [SECRET], secure: false });
  });

  after(async () => {
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    for (const stop of stops) stop();
    await mongo?.close();
    await db?.stop();
  });

  it('gives a browser a long-lived HttpOnly, SameSite=Lax cookie of its own at its first sign-in', async () => {
    const client = new Client(app.baseUrl);
    const res = await client.request(`/signed-in/${someUser()}`, { method: 'POST' });
    const cookies = res.headers.getSetCookie().map(parseSetCookie);
    assert.equal(cookies.length, 1);
    const [cookie] = cookies;
    assert.ok(cookie);
    assert.equal(cookie.name, 'cloakroom.browser');
    assert.equal(cookie.attributes.httponly, true);
    assert.equal(cookie.attributes.samesite, 'Lax');
    assert.equal(cookie.attributes.path, '/');
    // plain HTTP in development: not Secure, or the browser would drop it
    assert.equal(cookie.attributes.secure, undefined);
    assert.equal(Number(cookie.attributes['max-age']), KNOWN_BROWSER_LIFETIME_MS / 1000);
    // an ID of at least 128 bits, and a signature
    const [id = ''] = cookie.value.split('.');
    assert.ok(Buffer.from(id, 'base64url').length >= 16);
    assert.equal(((await res.json()) as Noted).browserKey, browserKeyFor(id));
  });

  it('says "new" at the first sign-in to an account, and not again from the same browser', async () => {
    const client = new Client(app.baseUrl);
    const [alice, bob] = [someUser(), someUser()];
    const first = await signIn(client, alice);
    assert.equal(first.newBrowser, true);
    const second = await signIn(client, alice);
    assert.deepEqual(second, { newBrowser: false, browserKey: first.browserKey });
    // the same browser is new to another account
    assert.deepEqual(await signIn(client, bob), { newBrowser: true, browserKey: first.browserKey });
    // another browser is new to the first account
    assert.equal((await signIn(new Client(app.baseUrl), alice)).newBrowser, true);
    // later requests know the browser by the same key
    assert.equal(await keyOf(client), first.browserKey);
  });

  it('says "new" at most once when one browser signs in to an account several times at once', async () => {
    const client = new Client(app.baseUrl);
    // the browser has its cookie already (from a sign-in to another account)
    await signIn(client, someUser());
    for (let round = 0; round < 4; round += 1) {
      const user = someUser();
      const results = await Promise.all([signIn(client, user), signIn(client, user), signIn(client, user)]);
      assert.equal(results.filter((r) => r.newBrowser).length, 1, `round ${round}: ${JSON.stringify(results.map((r) => r.newBrowser))}`);
      assert.equal(await collection.countDocuments({ userId: user }), 1);
    }
  });

  it('treats a cookie with a bad signature, or in the wrong shape, as no cookie', async () => {
    const client = new Client(app.baseUrl);
    const user = someUser();
    const { browserKey } = await signIn(client, user);
    const value = client.cookies.get('cloakroom.browser') ?? '';
    const [id = '', signature = ''] = value.split('.');
    const forged = [
      `${id}.${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`,
      `${id}.`,
      id,
      `${id}x.${signature}`,
      // the same ID signed as the session cookie signs its ID, with the same secret
      `${id}.${(await import('node:crypto')).createHmac('sha256', SECRET).update(id).digest('base64url')}`,
    ];
    for (const cookie of forged) {
      const forger = new Client(app.baseUrl);
      forger.cookies.set('cloakroom.browser', cookie);
      assert.equal(await keyOf(forger), null, cookie);
      // signing in with it: a fresh ID and cookie, a new browser to the account
      const noted = await signIn(forger, user);
      assert.equal(noted.newBrowser, true, cookie);
      assert.notEqual(noted.browserKey, browserKey);
      assert.notEqual(forger.cookies.get('cloakroom.browser'), cookie);
    }
  });

  it('stores only the SHA-256 of the ID: nothing in the collection holds the cookie or its ID', async () => {
    const client = new Client(app.baseUrl);
    const user = someUser();
    const { browserKey } = await signIn(client, user);
    const value = client.cookies.get('cloakroom.browser') ?? '';
    const [id = '', signature = ''] = value.split('.');
    const docs = await collection.find({ userId: user }).toArray();
    assert.equal(docs.length, 1);
    const stored = JSON.stringify(docs);
    for (const secret of [value, id, signature]) assert.ok(!stored.includes(secret));
    assert.equal(docs[0]?.browserKey, browserKey);
    assert.ok(docs[0]?.firstSeenAt instanceof Date && docs[0].lastSeenAt instanceof Date);
    // forgotten a year after the last sign-in
    const expiresAt = docs[0].expiresAt as Date;
    assert.ok(Math.abs(expiresAt.getTime() - (docs[0].lastSeenAt.getTime() + KNOWN_BROWSER_LIFETIME_MS)) < 1000);
    const indexes = await collection.indexes();
    assert.ok(indexes.some((i) => i.unique && JSON.stringify(i.key) === JSON.stringify({ userId: 1, browserKey: 1 })));
    assert.ok(indexes.some((i) => Object.keys(i.key).join() === 'expiresAt'));
  });

  it(`remembers at most ${MAX_KNOWN_BROWSERS_PER_ACCOUNT} browsers per account, forgetting the one seen longest ago`, async () => {
    const user = someUser();
    const keys: string[] = [];
    for (let i = 0; i < MAX_KNOWN_BROWSERS_PER_ACCOUNT + 2; i += 1) keys.push((await signIn(new Client(app.baseUrl), user)).browserKey);
    const kept = new Set((await collection.find({ userId: user }).toArray()).map((d) => d.browserKey as string));
    assert.equal(kept.size, MAX_KNOWN_BROWSERS_PER_ACCOUNT);
    assert.ok(!kept.has(keys[0] ?? '') && !kept.has(keys[1] ?? ''));
    assert.ok(kept.has(keys.at(-1) ?? ''));
  });

  it('accepts a cookie signed with an older secret still listed (rotation), and signs anew with the first', async () => {
    const old = await tinyApp({ secrets: ['the-old-secret'], secure: false });
    const client = new Client(old.baseUrl);
    const user = someUser();
    const { browserKey } = await signIn(client, user);
    const rotated = await tinyApp({ secrets: ['the-new-secret', 'the-old-secret'], secure: false });
    const sameBrowser = new Client(rotated.baseUrl);
    sameBrowser.cookies.set('cloakroom.browser', client.cookies.get('cloakroom.browser') ?? '');
    assert.deepEqual(await signIn(sameBrowser, user), { newBrowser: false, browserKey });
    assert.notEqual(sameBrowser.cookies.get('cloakroom.browser'), client.cookies.get('cloakroom.browser'));
  });

  it('where the session cookie is Secure: Secure too, under a __Host- name', async () => {
    const secure = await tinyApp({ secrets: [SECRET], secure: true });
    assert.equal(secure.known.cookieName, '__Host-cloakroom.browser');
    const client = new Client(secure.baseUrl);
    const res = await client.request(`/signed-in/${someUser()}`, { method: 'POST' });
    const [cookie] = res.headers.getSetCookie().map(parseSetCookie);
    assert.equal(cookie?.name, '__Host-cloakroom.browser');
    assert.equal(cookie.attributes.secure, true);
    assert.equal(cookie.attributes.path, '/');
    assert.equal(cookie.attributes.domain, undefined);
    // a cookie under the plain name is not this app's
    const planted = new Client(secure.baseUrl);
    planted.cookies.set('cloakroom.browser', client.cookies.get('__Host-cloakroom.browser') ?? '');
    assert.equal(await keyOf(planted), null);
    assert.ok(await keyOf(client));
  });
});
