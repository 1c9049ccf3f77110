// oidc, as a feature: "Sign in with <provider>" through an OpenID Connect
// provider (Google, Microsoft, Keycloak...; docs/oidc.md), the first sign-in
// creating the account, and the provider linked to an existing account from
// its settings. It plugs into the core through src/feature.ts only:
//
//   mount             its pages (below), behind the core's guards
//   finishLogin       (CoreDeps) a provider's sign-in ends as a password's
//                     does: two-factor's code where it is on, then signIn
//   waysIn            each link is a way into its account (the core counts
//                     them with the password and passkeys: auth/ways-in.ts)
//   passwordUnknown   an account a first sign-in made has a random password
//                     nobody knows: not a way in, and its owner sets one
//                     from the password form (accounts.ts)
//   onAccountDeleted  the account's links go with it
//   redactSession     the pending sign-ins' nonce and verifier cut short
//   accountLinks      "Linked sign-in" on the dashboard
//   viewLocals        the provider's name, for the login page's button
//   formActions       the provider's origin: the sign-in forms' answer sends
//                     the browser there, which the CSP's form-action must allow
//   labExperiment     with the local provider: the lab's login CSRF
//                     (lab-login-csrf.ts), a callback without state
//
// What it stores: the oidcLinks and oidcUnknownPasswords collections
// (links.ts); in the session, the
// sign-ins sent to the provider and not back yet (pending-sign-ins.ts).
// Without a provider (settings.ts) it is off: no button, no pages; in
// development a local provider stands in (dev-provider.ts).
import { defineFeature, type Feature, type LabExperiment } from '../../feature.js';
import { passwordUnknown, providerAccounts } from './accounts.js';
import { linkedPages } from './linked-routes.js';
import { labCallbackUris, labLoginCsrf } from './lab-login-csrf.js';
import { createLinkModel, createUnknownPasswordModel, moveLinkMarks } from './links.js';
import { providerLogin } from './login-routes.js';
import { openidProvider } from './provider.js';
import { redactOidcSession } from './session-data.js';
import { oidcSettings, OIDC_CALLBACK_PATH, type ProviderClient } from './settings.js';

export const oidcFeature = defineFeature({
  name: 'oidc',
  settings: oidcSettings,
  async open({ connection, users, logger }, settings): Promise<Feature> {
    const links = createLinkModel(connection);
    await links.createIndexes();
    const unknownPasswords = createUnknownPasswordModel(connection);
    await unknownPasswords.createIndexes();
    await moveLinkMarks(links, unknownPasswords);
    // no provider: nothing mounted, no button (views/login.pug asks for
    // oidcProviderName), no link a way in; an account a provider made
    // earlier still has a password nobody knows
    if (settings.provider === 'off') return { name: 'oidc', attach: () => ({}), passwordUnknown: passwordUnknown(users, unknownPasswords) };

    let client: ProviderClient;
    let stopLocal: (() => Promise<void>) | undefined;
    let labExperiment: LabExperiment | undefined;
    let labOrigin: string | undefined;
    if (settings.provider === 'local') {
      // never a static import: production has no oidc-provider (a development dependency)
      const { startDevProvider, LAB_CLIENT_ID, LAB_COOKIE_PREFIX } = await import('./dev-provider.js');
      const publicUrl = settings.redirectUri.slice(0, -OIDC_CALLBACK_PATH.length);
      const local = await startDevProvider({ redirectUri: settings.redirectUri });
      // the lab's, apart: its attacker's login must never sign in the app's button
      const lab = await startDevProvider({ redirectUri: labCallbackUris(publicUrl), clientId: LAB_CLIENT_ID, cookiePrefix: LAB_COOKIE_PREFIX });
      client = { issuer: local.issuer, clientId: local.clientId, clientSecret: local.clientSecret };
      stopLocal = async () => {
        await Promise.all([local.stop(), lab.stop()]);
      };
      labOrigin = new URL(lab.issuer).origin;
      // the lab's login CSRF, on that provider
      labExperiment = labLoginCsrf({ issuer: lab.issuer, clientId: lab.clientId, clientSecret: lab.clientSecret, publicUrl });
      logger.info(`OpenID provider: a local one at ${local.issuer} (log in there as alice or bob, any password); set OIDC_ISSUER for a real one`);
    } else {
      client = settings.client;
    }
    const provider = openidProvider(() => Promise.resolve(client), settings.redirectUri);
    // its metadata asked now, in the background, for the CSP below: a
    // provider down at startup does not keep the app from starting, and is
    // asked again at the first sign-in
    provider.discover().catch((err: unknown) => {
      logger.warn({ event: 'oidc-provider-failed', stage: 'discovery', err }, 'the OpenID provider could not be asked at startup; it will be asked again at the first sign-in');
    });
    const issuerOrigin = new URL(client.issuer).origin;

    return {
      name: 'oidc',
      attach(core) {
        const accounts = providerAccounts({ users, links, unknownPasswords, passwords: core.passwords });
        const deps = { ...core, provider, accounts, providerName: settings.name };
        const login = providerLogin(deps);
        const linked = linkedPages({ ...deps, links });
        return {
          mount(pages, { noStore, requireLogin, recentAuth }) {
            //         path                         guards                               handler
            pages.post('/login/oidc/start',         noStore,                             login.start); //     login-routes.ts
            pages.get( OIDC_CALLBACK_PATH,          noStore,                             login.callback);
            pages.get( '/account/linked',           noStore, requireLogin,               linked.show); //     linked-routes.ts
            pages.post('/account/linked/link',      noStore, requireLogin, recentAuth,   linked.link);
            pages.post('/account/linked/unlink',    noStore, requireLogin, recentAuth,   linked.unlink);
            pages.post('/account/confirm/oidc',     noStore, requireLogin,               login.confirm); //   login-routes.ts
          },
        };
      },
      // only links this provider signs in with: one from an issuer set
      // before (OIDC_ISSUER changed since) is no way in. The provider out of
      // reach: none counted, so nothing that is the last other way goes
      async waysIn(userId) {
        const issuer = await provider.issuer().catch(() => undefined);
        return issuer === undefined ? 0 : await links.countDocuments({ userId, issuer });
      },
      passwordUnknown: passwordUnknown(users, unknownPasswords),
      async onAccountDeleted(userId) {
        await links.deleteMany({ userId });
        await unknownPasswords.deleteMany({ userId });
      },
      redactSession: redactOidcSession,
      accountLinks: [{ href: '/account/linked', description: `Linked sign-in: sign in with ${settings.name}` }],
      viewLocals: {
        oidcProviderName: settings.name,
        // whether a page's forms may send the browser to the provider's
        // sign-in page: its CSP's form-action (res.locals.formActionOrigins) names it
        oidcPageAllowed: (formActionOrigins: readonly string[] | undefined) => {
          const page = provider.authorizationOrigin();
          return page !== undefined && (formActionOrigins ?? []).includes(page);
        },
      },
      // its sign-in page: at the issuer's origin (Google, Microsoft,
      // Keycloak alike), or where its metadata says (Amazon Cognito)
      // (in development, the lab's provider too: the lab's forms go there)
      formActions() {
        const endpoint = provider.authorizationOrigin();
        const origins = endpoint === undefined || endpoint === issuerOrigin ? [issuerOrigin] : [issuerOrigin, endpoint];
        return labOrigin === undefined ? origins : [...origins, labOrigin];
      },
      labExperiment,
      stop: stopLocal,
    };
  },
});
