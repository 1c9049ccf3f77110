// passkeys, as a feature: sign in with a passkey instead of a password, and
// confirm sudo mode with one; the account's list of passkeys. It plugs into
// the core through src/feature.ts only:
//
//   mount             its pages (below), behind the core's guards
//   credentials       a passkey signs in on its own: listed and removed from
//                     the "This wasn't me" page (features/mail)
//   waysIn            each passkey is a way in: the core counts them
//                     (auth/ways-in.ts), so the last one is never removed
//   onAccountDeleted  the account's passkeys go with it
//   redactSession     the ceremonies' challenges, cut short for the inspector
//   accountLinks      "Passkeys" in the header and on the dashboard
//
// What it stores: the passkeys collection (model.ts) and each challenge used
// once (used-challenges.ts); in the session, the ceremonies under way
// (session-data.ts).
import { defineFeature, type Feature } from '../../feature.js';
import { MAX_PASSKEY_NAME_LENGTH, passkeyCeremonies } from './ceremonies.js';
import { passkeyLogin } from './login-routes.js';
import { createPasskeyModel } from './model.js';
import { redactPasskeySession } from './session-data.js';
import { passkeySettings } from './settings.js';
import { passkeyPages } from './settings-routes.js';
import { signInMethods } from './sign-in-methods.js';
import { ensureUsedChallengesExpiry, USED_CHALLENGES_COLLECTION } from './used-challenges.js';

export const passkeysFeature = defineFeature({
  name: 'passkeys',
  settings: passkeySettings,
  async open({ config, connection, db, logger }, relyingParty): Promise<Feature> {
    // passkeys by user, and one per credential ID
    const passkeys = createPasskeyModel(connection);
    await passkeys.createIndexes();
    // each passkey challenge used once: the records go when the challenge would have expired
    const stopChallengeSweep = await ensureUsedChallengesExpiry(db.collection(USED_CHALLENGES_COLLECTION), config, logger);
    // who passkeys belong to: from PUBLIC_URL, never the Host header (settings.ts)
    const ceremonies = passkeyCeremonies(passkeys, relyingParty);
    // removing one asks the core's count of the ways in, known once attached
    let methods: ReturnType<typeof signInMethods> | undefined;

    return {
      name: 'passkeys',
      attach(core) {
        methods = signInMethods(core.waysIn, passkeys);
        const signIn = passkeyLogin({ ...core, ceremonies });
        const settings = passkeyPages({ ...core, passkeys, ceremonies });
        return {
          mount(pages, { noStore, requireLogin, anonymousSessions, recentAuth }) {
            //         path                             guards                                 handler
            pages.get( '/login/passkey',                noStore, anonymousSessions,           signIn.options); //        login-routes.ts
            pages.post('/login/passkey',                noStore,                              signIn.submit);
            pages.get( '/account/confirm/passkey',      noStore, requireLogin,                signIn.confirmOptions);
            pages.post('/account/confirm/passkey',      noStore, requireLogin,                signIn.confirm);
            pages.get( '/account/passkeys',             noStore, requireLogin,                settings.list); //         settings-routes.ts
            pages.get( '/account/passkeys/new',         noStore, requireLogin, recentAuth,    settings.newForm);
            pages.get( '/account/passkeys/new/options', noStore, requireLogin, recentAuth,    settings.newOptions);
            pages.post('/account/passkeys',             noStore, requireLogin, recentAuth,    settings.add);
            pages.post('/account/passkeys/rename',      noStore, requireLogin,                settings.rename);
            pages.post('/account/passkeys/remove',      noStore, requireLogin, recentAuth,    settings.remove);
          },
        };
      },
      credentials: {
        count: (userId) => passkeys.countDocuments({ userId }),
        async list(userId) {
          const list = await passkeys.find({ userId }, { name: 1, createdAt: 1, lastUsedAt: 1 }).sort({ createdAt: 1 }).lean();
          return list.map((p) => ({ id: String(p._id), name: p.name, addedAt: p.createdAt, lastUsedAt: p.lastUsedAt ?? undefined }));
        },
        remove(userId, id) {
          if (!methods) throw new Error('the passkeys feature is not attached to an app yet');
          return methods.removePasskey(userId, id);
        },
      },
      waysIn: (userId) => passkeys.countDocuments({ userId }),
      async onAccountDeleted(userId) {
        await passkeys.deleteMany({ userId });
      },
      redactSession: redactPasskeySession,
      accountLinks: [{ href: '/account/passkeys', label: 'Passkeys', description: 'Your passkeys: sign in without a password' }],
      // the origin passkeys work on: their pages say so when opened at another address
      viewLocals: { passkeyOrigin: relyingParty.origin },
      fieldLimits: { passkeyName: MAX_PASSKEY_NAME_LENGTH },
      stop: stopChallengeSweep,
    };
  },
});
