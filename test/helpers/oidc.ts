// oidc: the local OpenID provider (src/features/oidc/dev-provider.ts) for
// the tests, and a browser's trip through it: its login page answered by
// HTTP requests, as a person would fill it in, until it sends the browser
// back to the app's callback.
import { after, before } from 'node:test';
import { OIDC_CALLBACK_PATH } from '../../src/features/oidc/settings.js';
import { startDevProvider, type DevProvider } from '../../src/features/oidc/dev-provider.js';
import { startTestApp, type TestApp } from './app.js';
import { Client } from './client.js';
import { startTestDatabase, type TestDatabase } from './database.js';

// the tests' PUBLIC_URL is the default one (config.ts), whatever port the app got:
// the provider sends the browser there, and the tests take the path and query
export const TEST_PUBLIC_URL = 'http://localhost:3000';

/** The variables that point the app at a local provider. */
export function providerEnv(provider: DevProvider): Record<string, string> {
  return { OIDC_ISSUER: provider.issuer, OIDC_CLIENT_ID: provider.clientId, OIDC_CLIENT_SECRET: provider.clientSecret, OIDC_PROVIDER_NAME: 'Example ID' };
}

/**
 * A local provider, a fresh database and an app pointed at the provider, for
 * the test file (or describe block) that calls this: started in one hook,
 * the provider first (the app's settings name its address).
 */
export function useProviderApp(options: { env?: Record<string, string> } = {}): { readonly app: TestApp; readonly provider: DevProvider } {
  let provider: DevProvider | undefined;
  let db: TestDatabase | undefined;
  let app: TestApp | undefined;
  before(async () => {
    provider = await startDevProvider({ redirectUri: `${TEST_PUBLIC_URL}${OIDC_CALLBACK_PATH}`, users: {} });
    db = await startTestDatabase();
    app = await startTestApp({ uri: db.freshUri(), env: { ...providerEnv(provider), ...options.env } });
  });
  after(async () => {
    await app?.close();
    await provider?.stop();
    await db?.stop();
  });
  return {
    get app() {
      if (!app) throw new Error('the test app is not started yet');
      return app;
    },
    get provider() {
      if (!provider) throw new Error('the local provider is not started yet');
      return provider;
    },
  };
}

/**
 * A browser at the provider: from the authorization URL the app sent it to,
 * through the login page as `login`, to the app's callback. Gives the
 * callback's path and query, for the app's own client to open.
 */
export async function signInAtProvider(authorizationUrl: string, login: string, browser = new Client(new URL(authorizationUrl).origin)): Promise<string> {
  // relative addresses are the provider's own: resolved against where the browser is
  let at = new URL(authorizationUrl);
  let res = await browser.get(at.href);
  for (let hops = 0; hops < 10; hops++) {
    const location = res.headers.get('location');
    if (res.status === 200) {
      // the login page: its form posts to the interaction
      const action = /action="([^"]+)"/.exec(await res.text())?.[1];
      if (!action) throw new Error('no form on the provider\'s page');
      res = await browser.request(new URL(action, at).href, { method: 'POST', body: new URLSearchParams({ prompt: 'login', login, password: 'anything' }) });
      continue;
    }
    if (!location) throw new Error(`the provider answered ${res.status}: ${await res.text()}`);
    at = new URL(location, at);
    // back at the app (its callback, or the lab's): the app's own client opens it
    if (at.origin === new URL(TEST_PUBLIC_URL).origin) return `${at.pathname}${at.search}`;
    res = await browser.get(at.href);
  }
  throw new Error('the provider never sent the browser back');
}
