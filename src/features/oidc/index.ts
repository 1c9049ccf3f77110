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
//
// What it stores: the oidcLinks and oidcUnknownPasswords collections
// (links.ts); in the session, the
// sign-ins sent to the provider and not back yet (pending-sign-ins.ts).
// Without a provider (settings.ts) it is off: no button, no pages; in
// development a local provider stands in (dev-provider.ts).
import { defineFeature, type Feature } from '../../feature.js';
import { passwordUnknown, providerAccounts } from './accounts.js';
import { linkedPages } from './linked-routes.js';
import { createLinkModel, createUnknownPasswordModel, moveLinkMarks } from './links.js';
import { providerLogin } from './login-routes.js';
import { openidProvider } from './provider.js';
import { redactOidcSession } from './session-data.js';
import { oidcSettings, OIDC_CALLBACK_PATH, type ProviderClient } from './settings.js';

export const oidcFeature = defineFeature({
  name: 'oidc',
  settings: oidcSettings,
  async open({ connection, users, logger }, settings): Promise<Feature> {
    // no provider: nothing mounted, no button (views/login.pug asks for oidcProviderName)
    // (an account a provider made earlier still has a password nobody knows)
    if (settings.provider === 'off') return { name: 'oidc', attach: () => ({}), passwordUnknown: passwordUnknown(users, createUnknownPasswordModel(connection)) };
    const links = createLinkModel(connection);
    await links.createIndexes();
    const unknownPasswords = createUnknownPasswordModel(connection);
    await unknownPasswords.createIndexes();
    await moveLinkMarks(links, unknownPasswords);

    let client: ProviderClient;
    let stopLocal: (() => Promise<void>) | undefined;
    if (settings.provider === 'local') {
      // never a static import: production has no oidc-provider (a development dependency)
      const { startDevProvider } = await import('./dev-provider.js');
      const local = await startDevProvider({ redirectUri: settings.redirectUri });
      client = { issuer: local.issuer, clientId: local.clientId, clientSecret: local.clientSecret };
      stopLocal = () => local.stop();
      logger.info(`OpenID provider: a local one at ${local.issuer} (log in there as alice or bob, any password); set OIDC_ISSUER for a real one`);
    } else {
      client = settings.client;
    }
    // asked lazily: a provider down at startup does not keep the app from starting
    const provider = openidProvider(() => Promise.resolve(client), settings.redirectUri);

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
      waysIn: (userId) => links.countDocuments({ userId }),
      passwordUnknown: passwordUnknown(users, unknownPasswords),
      async onAccountDeleted(userId) {
        await links.deleteMany({ userId });
        await unknownPasswords.deleteMany({ userId });
      },
      redactSession: redactOidcSession,
      accountLinks: [{ href: '/account/linked', description: `Linked sign-in: sign in with ${settings.name}` }],
      viewLocals: { oidcProviderName: settings.name },
      // its sign-in page is at the issuer's origin (Google, Microsoft, Keycloak alike)
      formActions: [new URL(client.issuer).origin],
      stop: stopLocal,
    };
  },
});
