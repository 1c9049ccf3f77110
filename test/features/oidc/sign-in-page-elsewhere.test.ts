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

/**
 * The local provider behind a forwarding proxy at the issuer's address, asked
 * under the host name `localhost`; `metadata` may change its discovery
 * document on the way (a provider whose metadata is broken or hostile).
 */
function providerBehindProxy(metadata: (document: Record<string, unknown>) => Record<string, unknown> = (document) => document) {
  let proxy: http.Server | undefined;
  let provider: DevProvider | undefined;
  let db: TestDatabase | undefined;
  let app: TestApp | undefined;
  let pagesOrigin = '';

  before(async () => {
    const providerPort = await freePort();
    pagesOrigin = `http://localhost:${providerPort}`;
    // the issuer's address: every request passed on, under the other host name
    proxy = http.createServer((req, res) => {
      const onward = http.request({ host: '127.0.0.1', port: providerPort, path: req.url, method: req.method, headers: { ...req.headers, host: `localhost:${providerPort}` } }, (answer) => {
        if (!req.url?.startsWith('/.well-known/openid-configuration')) {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          const document = JSON.stringify(metadata(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>));
          res.writeHead(answer.statusCode ?? 502, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(document) });
          res.end(document);
        });
      });
      onward.on('error', () => res.destroy());
      req.pipe(onward);
    });
    await new Promise<void>((resolve) => proxy?.listen(0, '127.0.0.1', resolve));
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

  return {
    get app() {
      if (!app) throw new Error('not started');
      return app;
    },
    get issuer() {
      return provider?.issuer ?? '';
    },
    get pagesOrigin() {
      return pagesOrigin;
    },
  };
}

async function formActionOf(app: TestApp): Promise<string> {
  const csp = (await new Client(app.baseUrl).get('/login')).headers.get('content-security-policy') ?? '';
  return /form-action ([^;]+)/.exec(csp)?.[1] ?? '';
}

describe('a provider whose sign-in page is on another origin than its issuer', () => {
  const t = providerBehindProxy();

  it("lets the login form go there: the CSP's form-action names the page's origin from the metadata, beside the issuer's", async () => {
    // the metadata is asked at startup, in the background
    const expected = ["'self'", new URL(t.issuer).origin, t.pagesOrigin].join(' ');
    await eventually(async () => (await formActionOf(t.app)) === expected, `form-action ${expected}`).catch(async (err: unknown) => {
      assert.fail(`${String(err)}; it is: ${await formActionOf(t.app)}`);
    });

    // and that is where the button sends the browser: the page says its CSP names it
    const client = new Client(t.app.baseUrl);
    assert.match(await (await client.get('/login')).text(), /name="providerPageAllowed" value="1"/);
    const start = await client.post('/login/oidc/start', { providerPageAllowed: '1' }, { formPage: '/login' });
    assert.equal(start.status, 303);
    assert.equal(new URL(start.headers.get('location') ?? '').origin, t.pagesOrigin);
  });

  it('sends a form from a page whose CSP did not name that host yet (sent before the metadata came in) on by a link, not a redirect the browser would stop', async () => {
    // three tabs' buttons at once, each page from before the metadata
    const client = new Client(t.app.baseUrl);
    const _csrf = await client.csrfToken('/login');
    const pages = await Promise.all([1, 2, 3].map(() => client.post('/login/oidc/start', { _csrf, providerPageAllowed: '0' })));
    for (const page of pages) {
      assert.equal(page.status, 200);
      const href = /<a class="button" href="([^"]+)">Continue to Example ID</.exec(await page.text())?.[1]?.replaceAll('&amp;', '&');
      assert.ok(href, 'a link on');
      assert.equal(new URL(href).origin, t.pagesOrigin);
      assert.ok(new URL(href).searchParams.get('state'), 'the trip started: its state kept in the session');
    }
  });
});

describe('a provider whose metadata names a wildcard as its sign-in page', () => {
  const t = providerBehindProxy((document) => ({ ...document, authorization_endpoint: 'https://*/auth' }));

  it("is refused: the form-action stays the issuer's, and the button says the provider could not be asked", async () => {
    const start = await new Client(t.app.baseUrl).post('/login/oidc/start', {}, { formPage: '/login' });
    assert.equal(start.status, 502);
    assert.equal(await formActionOf(t.app), ["'self'", new URL(t.issuer).origin].join(' '));
  });
});
