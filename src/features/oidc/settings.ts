// oidc's settings: which OpenID provider signs people in, and as which
// client. Read at startup beside the core's variables (config.ts), when
// FEATURES turns oidc on.
//
//   OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET   all three, or none
//   OIDC_PROVIDER_NAME                                on the button ("your provider")
//
// None set: the feature is off (no button, its addresses answer 404), except
// in development, where a local provider is started instead (dev-provider.ts),
// as the mail catcher is for mail. Some set but not all: a configuration
// problem naming what is missing, never a half-working sign-in.
//
// The redirect URI the provider sends the browser back to is PUBLIC_URL's,
// never the request's Host header: a forged Host must not choose where the
// provider sends a code.
import type { FeatureSettings } from '../../feature.js';
import { optionalString, readVariables } from '../../env-values.js';

export const OIDC_CALLBACK_PATH = '/login/oidc/callback';
const DEFAULT_PROVIDER_NAME = 'your provider';

/** A provider and this app's client at it. */
export interface ProviderClient {
  issuer: string;
  clientId: string;
  clientSecret: string;
}

export type OidcSettings =
  /** no provider: no button, no pages */
  | { provider: 'off' }
  /** development without a provider: the local one (dev-provider.ts), started by the feature */
  | { provider: 'local'; name: string; redirectUri: string }
  | { provider: 'configured'; name: string; redirectUri: string; client: ProviderClient };

const variables = {
  OIDC_ISSUER: optionalString,
  OIDC_CLIENT_ID: optionalString,
  OIDC_CLIENT_SECRET: optionalString,
  OIDC_PROVIDER_NAME: optionalString,
};

export const oidcSettings: FeatureSettings<OidcSettings> = {
  variables: Object.keys(variables),
  read(env, core, problems) {
    const e = readVariables(variables, env, problems);
    if (!e) return { provider: 'off' };
    const name = e.OIDC_PROVIDER_NAME ?? DEFAULT_PROVIDER_NAME;
    const redirectUri = `${core.publicUrl}${OIDC_CALLBACK_PATH}`;
    const given = { OIDC_ISSUER: e.OIDC_ISSUER, OIDC_CLIENT_ID: e.OIDC_CLIENT_ID, OIDC_CLIENT_SECRET: e.OIDC_CLIENT_SECRET };
    const missing = Object.entries(given).filter(([, value]) => value === undefined).map(([key]) => key);
    if (missing.length === 3) return core.env === 'development' ? { provider: 'local', name, redirectUri } : { provider: 'off' };
    if (missing.length > 0) {
      problems.push(`${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} not set: OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET go together (docs/oidc.md); set all three, or none to turn sign-in with a provider off`);
      return { provider: 'off' };
    }
    const issuer = e.OIDC_ISSUER ?? '';
    let url: URL | undefined;
    try {
      url = new URL(issuer);
    } catch {
      problems.push(`OIDC_ISSUER is not a URL: set it to the provider's issuer, e.g. OIDC_ISSUER=https://accounts.google.com`);
    }
    if (url && url.protocol !== 'https:' && (core.isProduction || url.protocol !== 'http:')) {
      problems.push(`OIDC_ISSUER must start with https://${core.isProduction ? ' when NODE_ENV=production' : ' (or http:// outside production)'}`);
    }
    return { provider: 'configured', name, redirectUri, client: { issuer, clientId: e.OIDC_CLIENT_ID ?? '', clientSecret: e.OIDC_CLIENT_SECRET ?? '' } };
  },
};
