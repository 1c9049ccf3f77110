// passkeys' settings: the relying party a passkey is bound to. Its ID is
// PUBLIC_URL's host, or a parent domain of it (WEBAUTHN_RP_ID=example.com for
// https://login.example.com, so that passkeys also work on other subdomains);
// browsers refuse any other, and never an IP address. The origin browsers
// must report is PUBLIC_URL's, never the request's Host header. Read at
// startup beside the core's variables (config.ts), when FEATURES turns
// passkeys on.
import type { FeatureSettings } from '../../feature.js';
import { optionalString, readVariables } from '../../env-values.js';

/** Who passkeys belong to (ceremonies.ts). */
export interface RelyingParty {
  /** a domain name: PUBLIC_URL's host, or a parent domain of it */
  rpId: string;
  /** the origin browsers must report: PUBLIC_URL's */
  origin: string;
  /** shown by the browser when it asks to create a passkey */
  rpName: string;
}

// WebAuthn refuses IP addresses as a relying party: a passkey belongs to a domain name
const IP_ADDRESS = /^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:.]+\])$/i;
const DOMAIN_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

const variables = { WEBAUTHN_RP_ID: optionalString };

export const passkeySettings: FeatureSettings<RelyingParty> = {
  variables: Object.keys(variables),
  read(env, core, problems) {
    const override = readVariables(variables, env, problems)?.WEBAUTHN_RP_ID;
    const relyingParty = (rpId: string): RelyingParty => ({ rpId, origin: core.publicUrl, rpName: 'Cloakroom' });
    let host: string;
    try {
      host = new URL(core.publicUrl).hostname;
    } catch {
      // PUBLIC_URL's own problem is told by the core
      return relyingParty('');
    }
    if (override === undefined) {
      if (core.isProduction && IP_ADDRESS.test(host)) {
        problems.push(`PUBLIC_URL's host ${host} is an IP address: passkeys need a domain name; serve the site under one, or turn passkeys off with FEATURES`);
      }
      return relyingParty(host);
    }
    const rpId = override.toLowerCase();
    if (!DOMAIN_NAME.test(rpId) || IP_ADDRESS.test(rpId)) {
      problems.push(`WEBAUTHN_RP_ID must be a domain name such as example.com (got "${override}")`);
    } else if (host !== rpId && !host.endsWith(`.${rpId}`)) {
      problems.push(`WEBAUTHN_RP_ID must be PUBLIC_URL's host (${host}) or a domain it is under; browsers refuse passkeys for any other`);
    }
    return relyingParty(rpId);
  },
};
