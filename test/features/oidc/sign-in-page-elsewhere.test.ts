// A provider whose sign-in page is on another host than its issuer (Amazon
// Cognito's hosted pages are): the login form's answer sends the browser
// there, so the CSP's form-action must name that origin, learnt from the
// provider's metadata, or Chromium stops the "Sign in with …" button.
//
// The local provider, reached at its issuer through a plain forwarding
// proxy that asks it under another host name: its metadata then names its
// endpoints at http://localhost:<port>, while the issuer is 127.0.0.1's.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startDevProvider, type DevProvider } from '../../../src/features/oidc/dev-provider.js';
import { OIDC_CALLBACK_PATH } from '../../../src/features/oidc/settings.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { Client } from '../../helpers/client.js';
import { startTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { eventually } from '../../helpers/logs.js';
import { providerEnv, TEST_PUBLIC_URL } from '../../helpers/oidc.js';
import { freePort } from '../../helpers/production.js';

describe('a provider whose sign-in page is on another origin than its issuer', () => {
  let proxy: http.Server;
  let provider: DevProvider;
  let db: TestDatabase;
  let app: TestApp;
  let pagesOrigin: string;

  before(async () => {
    const providerPort = await freePort();
    pagesOrigin = `http://localhost:${providerPort}`;
    // the issuer's address: every request passed on, under the other host name
    proxy = http.createServer((req, res) => {
      const onward = http.request({ host: '127.0.0.1', port: providerPort, path: req.url, method: req.method, headers: { ...req.headers, host: `localhost:${providerPort}` } }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      onward.on('error', () => res.destroy());
      req.pipe(onward);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const issuer = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    provider = await startDevProvider({ redirectUri: `${TEST_PUBLIC_URL}${OIDC_CALLBACK_PATH}`, users: {}, issuer, port: providerPort });
    db = await startTestDatabase();
    app = await startTestApp({ uri: db.freshUri(), env: providerEnv(provider) });
  });

  after(async () => {
    await app?.close();
    await provider?.stop();
    proxy?.closeAllConnections();
    await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()));
    await db?.stop();
  });

  it("lets the login form go there: the CSP's form-action names the page's origin from the metadata, beside the issuer's", async () => {
    const formAction = async () => {
      const csp = (await new Client(app.baseUrl).get('/login')).headers.get('content-security-policy') ?? '';
      return /form-action ([^;]+)/.exec(csp)?.[1]?.split(' ') ?? [];
    };
    // the metadata is asked at startup, in the background
    const expected = ["'self'", new URL(provider.issuer).origin, pagesOrigin].join(' ');
    await eventually(async () => (await formAction()).join(' ') === expected, `form-action ${expected}`).catch(async (err: unknown) => {
      assert.fail(`${String(err)}; it is: ${(await formAction()).join(' ')}`);
    });

    // and that is where the button sends the browser
    const start = await new Client(app.baseUrl).post('/login/oidc/start', {}, { formPage: '/login' });
    assert.equal(start.status, 303);
    assert.equal(new URL(start.headers.get('location') ?? '').origin, pagesOrigin);
  });
});
