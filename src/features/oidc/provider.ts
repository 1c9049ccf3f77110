// provider: the two requests this app makes of an OpenID provider, through
// openid-client (its functional API, v6). Where to send the browser (an
// authorization URL with state, nonce and a PKCE challenge), and what the
// code it comes back with is worth (the token exchange with the PKCE
// verifier, the ID token's signature, issuer, audience, expiry and nonce all
// checked by openid-client). The provider's metadata is fetched once
// (discovery) and kept; a failed discovery is tried again next time.
import * as openid from 'openid-client';
import type { ProviderClient } from './settings.js';

// a provider that does not answer gets a page saying so, not a browser left waiting
const PROVIDER_TIMEOUT_SECONDS = 5;
// how long ago a fresh login (sudo mode's confirmation) may have happened at
// the provider: the time to come back from its login page, not a session there
export const FRESH_LOGIN_SECONDS = 120;
// the login's age and the trip's are whole seconds on two clocks: this much
// more is allowed (the clocks' difference itself does not count: see loginAge)
const ROUNDING_MS = 2000;

/**
 * How long before the ID token was issued its user logged in at the provider
 * (ms): iat − auth_time, both on the provider's clock, so that a provider
 * whose clock runs ahead or behind this one's neither stretches nor refuses
 * a login. None when it says no auth_time, or one after the token itself.
 */
function loginAge(claims: { iat: number; auth_time?: unknown }): number | undefined {
  if (typeof claims.auth_time !== 'number' || claims.auth_time > claims.iat + 1) return undefined;
  return Math.max(0, claims.iat - claims.auth_time) * 1000;
}

/** Who the provider says signed in. */
export interface ProviderIdentity {
  issuer: string;
  subject: string;
  email: string | undefined;
  /** only `email_verified: true` counts: absent or anything else is not verified */
  emailVerified: boolean;
  /** how long ago the user last logged in at the provider (ms), if it says (its auth_time) */
  loginAge: number | undefined;
}

/** A trip to the provider: where to send the browser, and what to remember until it comes back. */
export interface ProviderTrip {
  url: string;
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** Why a callback did not sign in: the provider could not be reached, or what came back failed a check. */
export class ProviderError extends Error {
  constructor(
    readonly kind: 'unreachable' | 'refused',
    options: { cause: unknown },
  ) {
    super(kind === 'unreachable' ? 'the provider could not be reached' : 'the provider\'s answer was refused', options);
    this.name = 'ProviderError';
  }
}

/** A network failure or a timeout, anywhere in the error's causes. */
function isUnreachable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof TypeError || e.name === 'TimeoutError' || e.name === 'AbortError') return true;
  }
  return false;
}

export interface Provider {
  /** The provider's metadata, asked now (at startup: see authorizationOrigin); a failure is tried again at the next use. */
  discover(): Promise<void>;
  /**
   * Where the browser is sent to sign in (its authorization endpoint's
   * origin), once the metadata is in: most providers serve it from the
   * issuer's origin, some from another host (Amazon Cognito's hosted pages).
   */
  authorizationOrigin(): string | undefined;
  /** The issuer, as its metadata says it (links are kept under it); throws ProviderError. */
  issuer(): Promise<string>;
  /**
   * `freshLogin`: the provider is asked to check its user again (prompt=login,
   * max_age=0), not to answer from its own session; finish() then holds it to that
   */
  begin(options?: { freshLogin?: boolean }): Promise<ProviderTrip>;
  /** The code the callback URL carries, exchanged and checked; throws ProviderError. */
  /** `freshLoginSince`: a fresh login was asked for (begin's freshLogin) when the trip started, at this time (ms) */
  finish(callbackQuery: string, expected: { state: string; nonce: string; codeVerifier: string; freshLoginSince?: number | undefined }): Promise<ProviderIdentity>;
}

/** `client` may come later (the local provider's address is known once it has started). */
export function openidProvider(client: () => Promise<ProviderClient>, redirectUri: string): Provider {
  let discovered: Promise<openid.Configuration> | undefined;
  let authorizationOrigin: string | undefined;

  async function discover(): Promise<openid.Configuration> {
    const { issuer, clientId, clientSecret } = await client();
    const url = new URL(issuer);
    // http:// only outside production (settings.ts refuses it there): the local provider
    const execute = url.protocol === 'http:' ? [openid.allowInsecureRequests] : [];
    const configuration = await openid.discovery(url, clientId, clientSecret, undefined, { execute, timeout: PROVIDER_TIMEOUT_SECONDS });
    configuration.timeout = PROVIDER_TIMEOUT_SECONDS;
    // where the browser is sent, named in the CSP's form-action: a plain
    // origin only (https, or http as the issuer is), never a wildcard or
    // anything else a header could misread. A provider whose metadata says
    // otherwise is refused, as if it had not answered
    const endpoint = new URL(configuration.serverMetadata().authorization_endpoint ?? '', url);
    if (!(endpoint.protocol === 'https:' || endpoint.protocol === url.protocol) || !/^([a-z0-9-]+\.)*[a-z0-9-]+$|^\[[0-9a-f:.]+\]$/i.test(endpoint.hostname)) {
      throw new Error(`the provider's authorization endpoint is not a plain ${url.protocol} address: ${endpoint.origin}`);
    }
    authorizationOrigin = endpoint.origin;
    return configuration;
  }

  async function configuration(): Promise<openid.Configuration> {
    discovered ??= discover().catch((err: unknown) => {
      discovered = undefined;
      throw new ProviderError(isUnreachable(err) ? 'unreachable' : 'refused', { cause: err });
    });
    return discovered;
  }

  return {
    async discover() {
      await configuration();
    },
    authorizationOrigin: () => authorizationOrigin,
    async issuer() {
      return (await configuration()).serverMetadata().issuer;
    },
    async begin(options = {}) {
      const config = await configuration();
      const [state, nonce, codeVerifier] = [openid.randomState(), openid.randomNonce(), openid.randomPKCECodeVerifier()];
      const url = openid.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: 'openid email',
        state,
        nonce,
        code_challenge: await openid.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        ...(options.freshLogin ? { prompt: 'login', max_age: '0' } : {}),
      });
      return { url: url.href, state, nonce, codeVerifier };
    },

    async finish(callbackQuery, expected) {
      const config = await configuration();
      // the URL the provider sent the browser to: PUBLIC_URL's, with the
      // query as it came (never built from the Host header)
      const current = new URL(`${redirectUri}${callbackQuery}`);
      try {
        const tokens = await openid.authorizationCodeGrant(config, current, {
          pkceCodeVerifier: expected.codeVerifier,
          expectedState: expected.state,
          expectedNonce: expected.nonce,
          idTokenExpected: true,
          // a fresh login: the ID token must say when the user last proved
          // who they are (auth_time), and that must be just now. A provider
          // that answered from its own session, ignoring prompt and max_age,
          // is refused (openid-client allows its clock tolerance besides)
          ...(expected.freshLoginSince === undefined ? {} : { maxAge: FRESH_LOGIN_SECONDS }),
        });
        const claims = tokens.claims();
        if (!claims) throw new Error('no ID token');
        const age = loginAge(claims);
        // the login no older than the trip: it happened after the trip started
        if (expected.freshLoginSince !== undefined && (age === undefined || age > Date.now() - expected.freshLoginSince + ROUNDING_MS)) {
          throw new Error('the provider did not log its user in again for this trip (its auth_time is older than the trip)');
        }
        // some providers put the address in the ID token (Google), others
        // only at the userinfo endpoint (oidc-provider by default): asked
        // there, for the same subject (openid-client checks it)
        const about = typeof claims.email === 'string' ? claims : await openid.fetchUserInfo(config, tokens.access_token, claims.sub);
        return {
          issuer: claims.iss,
          subject: claims.sub,
          email: typeof about.email === 'string' ? about.email : undefined,
          emailVerified: about.email_verified === true,
          loginAge: age,
        };
      } catch (err) {
        throw new ProviderError(isUnreachable(err) ? 'unreachable' : 'refused', { cause: err });
      }
    },
  };
}
