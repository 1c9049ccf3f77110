// two-factor, as a feature: a code from an authenticator app (TOTP) or a
// recovery code, after the password. It plugs into the core through
// src/feature.ts only:
//
//   mount          its pages (below), behind the core's guards
//   loginFields    `twoFactor`, read with the password (no extra read)
//   afterPassword  an account with two-factor on becomes a pending login
//                  (session/pending-login.ts): the code step comes next
//   sudoFactor     sudo mode asks for the code too (checks/reauthenticate.ts),
//                  counted against the account like the login's (code-attempts.ts)
//   redactSession  the setup's sealed secret cut short; codes waiting withheld
//   accountLinks   "Two-factor login" in the header and on the dashboard
//
// What it stores: `twoFactor` on the user document (models/user.ts: the
// secret sealed with TWO_FACTOR_KEY, the last step used, recovery code
// hashes); in the session, a setup under way and codes to show once
// (session-data.ts).
import { defineFeature, type Feature, type SudoFactor } from '../../feature.js';
import { codeAttempts } from './code-attempts.js';
import { twoFactorNotices } from './notices.js';
import { beginPendingLogin } from '../../session/pending-login.js';
import { twoFactorLogin, twoFactorSettings, TWO_FACTOR_LOGIN_PATH } from './routes.js';
import { secondFactor as openSecondFactor } from './second-factor.js';
import { twoFactorSettings as settings } from './settings.js';
import { recoveryCodeNotice, redactTwoFactorSession } from './session-data.js';
import { TOTP_CODE_INPUT_MAX } from './totp.js';

export const twoFactorFeature = defineFeature({
  name: 'two-factor',
  settings,
  // eslint-disable-next-line @typescript-eslint/require-await -- it opens nothing of its own: its data is on the user document
  async open({ users, logger }, { key, usingDevKey }): Promise<Feature> {
    if (usingDevKey) logger.warn('TWO_FACTOR_KEY is not set: using the development key (production refuses to start without one)');
    // authenticator secrets are decrypted with TWO_FACTOR_KEY; one that no
    // longer opens means the key was changed: say so, never the secret
    const secondFactor = openSecondFactor(users, key, (userId) => {
      logger.error({ event: 'two-factor-secret-unreadable', userId }, 'a two-factor secret does not decrypt: was TWO_FACTOR_KEY changed?');
    });

    return {
      name: 'two-factor',
      attach(core) {
        // every code, wherever it is typed, counts against its account (code-attempts.ts)
        const attempts = codeAttempts({ ...core, secondFactor, notices: twoFactorNotices(core) });
        const deps = { ...core, secondFactor, codeAttempts: attempts };
        const [login, settings] = [twoFactorLogin(deps), twoFactorSettings(deps)];

        const sudoFactor: SudoFactor = {
          field: 'code',
          asks: async (userId) => (await secondFactor.status(userId)).enabled,
          async begin(userId, ip, step) {
            const attempt = await attempts.begin(userId, ip, step);
            if (attempt.blocked) return attempt;
            return {
              blocked: false,
              abandoned: () => attempt.abandoned(),
              async check(account, typed, req) {
                const result = await attempt.check(account, typed, req);
                if (result.outcome === 'wrong' || result.outcome === 'gone') return { outcome: result.outcome };
                // the next page says how many are left (session-data.ts)
                if (result.outcome === 'recovery') req.session.noticeOnce = recoveryCodeNotice(result.recoveryCodesLeft);
                return { outcome: 'right', label: result.outcome === 'recovery' ? 'recovery-code' : 'code' };
              },
            };
          },
        };

        return {
          mount(pages, { noStore, requireLogin, anonymousSessions, recentAuth }) {
            //         path                        guards                                 handler
            pages.get( TWO_FACTOR_LOGIN_PATH,      noStore, anonymousSessions,           login.form); //          routes.ts
            pages.post(TWO_FACTOR_LOGIN_PATH,      noStore,                              login.submit);
            pages.post('/login/start-again',       noStore,                              login.startAgain);
            pages.get( '/account/two-factor',      noStore, requireLogin, recentAuth,    settings.show);
            pages.post('/account/two-factor',      noStore, requireLogin, recentAuth,    settings.enable);
            pages.get( '/account/recovery-codes',  noStore, requireLogin, recentAuth,    settings.showRecoveryCodes);
            pages.post('/account/recovery-codes',  noStore, requireLogin, recentAuth,    settings.newRecoveryCodes);
            pages.post('/account/two-factor/off',  noStore, requireLogin, recentAuth,    settings.disable);
          },
          loginFields: ['twoFactor'],
          async afterPassword({ req, res, account, stored, attempt, next, rememberMe, method, provedAt }) {
            if (!stored.twoFactor) return undefined;
            // a second factor to come: the session becomes a pending login, with
            // no userId in it, and the failures in a row are not reset yet
            await attempt.passwordOnly();
            await beginPendingLogin(req, account, { next, rememberMe, firstFactor: method === 'provider' || method === 'email-link' ? method : undefined, provedAt });
            core.logger.info({ event: 'login-password-ok', userId: account.id, ip: req.ip ?? 'unknown' }, 'password right: second factor next');
            res.redirect(303, TWO_FACTOR_LOGIN_PATH);
            return 'responded';
          },
          sudoFactor,
        };
      },
      redactSession: redactTwoFactorSession,
      // an app's code only, when turning two-factor on
      fieldLimits: { totpCode: TOTP_CODE_INPUT_MAX },
      accountLinks: [{ href: '/account/two-factor', label: 'Two-factor login', description: 'Two-factor login: a code from your phone as well as the password' }],
    };
  },
});
