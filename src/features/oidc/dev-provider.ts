// dev provider: a local OpenID provider (oidc-provider) for development and
// the tests, so that "Sign in with …" works without an account at Google.
// Like the mail catcher (mail/app-mail.ts), it is loaded with import() only
// when no provider is configured outside production: oidc-provider is a
// development dependency, absent from the production image. As a process of
// its own: tools/e2e-oidc-provider.ts for the browser tests, and
// tools/demo-oidc-provider.ts for Compose's demo (https at an issuer of its
// own, its own Dockerfile stage).
//
// Its login page is oidc-provider's own development page (devInteractions):
// type one of the users' logins below (any password). The consent step is
// skipped for the one client, as a company's own provider would for its
// own app. Keys, sessions and grants live in memory: a restart forgets them.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import Provider, { type Configuration } from 'oidc-provider';

/** What a user of the local provider says about themselves. */
export interface DevUser {
  email: string;
  email_verified: boolean;
}

/** The development users: one with a verified address, one without, and the lab's attacker. */
export const DEV_USERS: Record<string, DevUser> = {
  alice: { email: 'alice@example.test', email_verified: true },
  bob: { email: 'bob@example.test', email_verified: false },
  mallory: { email: 'mallory@example.test', email_verified: true },
};

/**
 * The lab's provider and client (features/oidc/lab-login-csrf.ts): a provider
 * of its own, with cookies of its own, so that the lab's trips never reach
 * the app's callback, and the attacker's login it asks for never signs in
 * the app's own "Sign in with …" in the same browser.
 */
export const LAB_CLIENT_ID = 'cloakroom-lab';
export const LAB_COOKIE_PREFIX = 'lab';

export interface DevProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** a user more, signing in with `login` (the tests: one per test) */
  addUser(login: string, user: DevUser): void;
  stop(): Promise<void>;
}

export interface DevProviderOptions {
  /** where its client may send the browser back to (the lab's client: two) */
  redirectUri: string | readonly string[];
  users?: Record<string, DevUser>;
  /** a user for a login not in `users` (the browser tests: a new person per journey) */
  anyLogin?: (login: string) => DevUser | undefined;
  /** a port of its own (the browser tests, whose app is told the issuer before it starts); 0: any free one */
  port?: number;
  /** the client's secret; a random one unless given */
  clientSecret?: string;
  /** its cookies' names begin with this (the lab's provider: LAB_COOKIE_PREFIX), where another runs on the same host */
  cookiePrefix?: string;
  /** the client's id; cloakroom-local unless given */
  clientId?: string;
  /** the address it listens on; 127.0.0.1 unless given (the demo's container: 0.0.0.0) */
  host?: string;
  /**
   * The issuer as browsers and the app reach it, when not this process's
   * own address (the demo: https://login.localhost:8443, tools/demo-oidc-provider.ts);
   * it listens on the issuer's port unless `port` says otherwise
   */
  issuer?: string;
  /** a certificate and its key, PEM: it serves https instead of http */
  tls?: { key: string; cert: string };
}

export async function startDevProvider(options: DevProviderOptions): Promise<DevProvider> {
  const users = new Map(Object.entries(options.users ?? DEV_USERS));
  const clientId = options.clientId ?? 'cloakroom-local';
  const clientSecret = options.clientSecret ?? randomBytes(24).toString('base64url');

  // the issuer names its port, known once listening: requests wait for the provider
  const server = options.tls ? https.createServer(options.tls) : http.createServer();
  const given = options.issuer ? new URL(options.issuer) : undefined;
  const port = options.port ?? (given ? Number(given.port || (given.protocol === 'https:' ? 443 : 80)) : 0);
  await new Promise<void>((resolve) => server.listen(port, options.host ?? '127.0.0.1', resolve));
  const issuer = options.issuer ?? `${options.tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const configuration: Configuration = {
    clients: [
      // auth_time in every ID token, as Keycloak and others send it: the app
      // counts sudo mode from it
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: typeof options.redirectUri === 'string' ? [options.redirectUri] : [...options.redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        require_auth_time: true,
      },
    ],
    claims: { openid: ['sub'], email: ['email', 'email_verified'] },
    // the typed login is the account: the subject
    findAccount: (_ctx, id) => {
      const user = users.get(id) ?? options.anyLogin?.(id);
      return user ? { accountId: id, claims: () => ({ sub: id, ...user }) } : undefined;
    },
    // no consent page: the grant is given for what was asked
    async loadExistingGrant(ctx) {
      const session = ctx.oidc.session;
      const client = ctx.oidc.client;
      if (!session?.accountId || !client) return undefined;
      const existing = session.grantIdFor(client.clientId);
      if (existing) return ctx.oidc.provider.Grant.find(existing);
      const grant = new ctx.oidc.provider.Grant({ accountId: session.accountId, clientId: client.clientId });
      grant.addOIDCScope('openid email');
      await grant.save();
      return grant;
    },
    features: { devInteractions: { enabled: true } },
    // in seconds: a sign-in is minutes, a local session an afternoon
    ttl: { Interaction: 600, Session: 8 * 3600, Grant: 8 * 3600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
    cookies: {
      keys: [randomBytes(32).toString('base64url')],
      // cookies are not told apart by port: two providers on one host need names of their own
      ...(options.cookiePrefix
        ? { names: { session: `_${options.cookiePrefix}_session`, interaction: `_${options.cookiePrefix}_interaction`, resume: `_${options.cookiePrefix}_interaction_resume` } }
        : {}),
    },
  };
  const provider = new Provider(issuer, configuration);
  server.on('request', provider.callback());

  return {
    issuer,
    clientId,
    clientSecret,
    addUser: (login, user) => void users.set(login, user),
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
