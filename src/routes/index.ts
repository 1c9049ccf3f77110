// routes: every URL Cloakroom answers, in one table: method, path, guards,
// and the handler (one file per page, named in the last column).
//
// Guards, run left to right before the handler:
//   noStore            the browser and proxies keep no copy (Back after logout shows nothing)
//   requireLogin       anonymous visitors go to the login page, and come back afterwards
//   anonymousSessions  throttled: new sessions (for a form's CSRF token) per address per hour
//   recentAuth         sudo mode: the password checked in the last REAUTH_WINDOW, or
//                      the confirm page first (session/recent-auth.ts)
//
// A pending login (password right, second factor to come) has no userId:
// requireLogin treats it as anonymous, and only /login/two-factor reads it.
//
// Every POST has also passed two checks before it reaches this table: the
// same-origin check and the CSRF token (security/same-origin.ts,
// session/csrf.ts). app.ts runs them on every request, so a route added here
// cannot forget them. Login, registration and the account pages' password
// checks are throttled inside their handlers as well: each attempt is counted
// before its password is checked (security/throttle.ts).
import { Router } from 'express';
import type { Store } from 'express-session';
import type { LabDatabase } from '../lab/lab-database.js';
import { labRoutes } from '../lab/index.js';
import type { TraceRecorder } from '../lab/trace/recorder.js';
import { limitAnonymousSessions } from '../middleware/anonymous-sessions.js';
import { templateLocals } from '../middleware/locals.js';
import { noStore } from '../middleware/no-store.js';
import { requireLogin } from '../middleware/require-login.js';
import { requireRecentAuth } from '../session/recent-auth.js';
import { withoutSessionCookie } from '../session/start-on-first-use.js';
import { waysIn } from '../auth/ways-in.js';
import type { UserSessions } from '../session/user-sessions.js';
import type { Config } from '../config.js';
import type { AppMail } from '../mail/app-mail.js';
import { accountPages } from './account.js';
import { activityPage } from './activity.js';
import { securityEvents } from '../security-log/security-events.js';
import { confirmPage, renderConfirmPage } from './confirm.js';
import { confirmSudo } from '../checks/reauthenticate.js';
import type { CoreDeps, Feature, SudoFactor } from '../feature.js';
import { dashboardPage } from './dashboard.js';
import { healthChecks, type HealthChecks } from './health.js';
import { homePage } from './home.js';
import { loginPage } from './login.js';
import type { AuthDeps } from '../checks/auth-deps.js';
import { logoutAction } from './logout.js';
import { registerPage } from './register.js';
import { sessionsPage } from './sessions.js';
import { staleForms } from './stale-forms.js';
import type { KnownBrowsers } from '../security/known-browser.js';
import type { SecurityLog } from '../security-log/store.js';

export interface RouteDeps extends Omit<AuthDeps, 'events'> {
  userSessions: UserSessions;
  /** the features FEATURES turned on (src/feature.ts; server.ts opens them) */
  features: Feature[];
  health: HealthChecks;
  /** what the lab's experiments store; ignored in production */
  lab: LabDatabase | undefined;
  /** the app's session store, which the lab's header reads (read only) */
  appSessionStore: Store;
  /** the lab's trace page records into it (development only) */
  trace: TraceRecorder | undefined;
  isProduction: boolean;
  /** sending mail (src/mail/), for the features that mail; undefined: mail is off */
  mail: AppMail | undefined;
  publicUrl: string;
  /** browsers that have signed in to an account before (security/known-browser.ts) */
  knownBrowsers: KnownBrowsers;
  /** what happened to each account (security-log/store.ts), and how long it is kept */
  securityLog: SecurityLog;
  securityLogConfig: Config['securityLog'];
}

export function routeTable(routeDeps: RouteDeps) {
  // a feature's credentials that sign in on their own (passkeys): listed on
  // the "This wasn't me" page
  const credentials = routeDeps.features.find((feature) => feature.credentials)?.credentials;
  // the ways into an account, the password and every feature's counted
  // together, so that the last is never removed (auth/ways-in.ts)
  const ways = waysIn(routeDeps.users, routeDeps.features);
  // what happens to an account's security: its log (security-log/), and
  // the owner told about it by a feature's alerts (features/mail), known
  // once the features are attached
  const events = securityEvents({
    log: routeDeps.securityLog,
    alerts: { send: (...event) => alerts?.send(...event) },
    knownBrowsers: routeDeps.knownBrowsers,
  });

  // the features plug in here, through their contract (src/feature.ts): a
  // feature's factor for sudo mode is known once they are attached, and the
  // confirm page they may render asks for it
  const core: CoreDeps = {
    ...routeDeps,
    events,
    credentials,
    waysIn: ways,
    asksForSecondFactor: (userId) => (sudoFactor ? sudoFactor.asks(userId) : Promise.resolve(false)),
    sessionsRevoked: async (req, userId, cleared, by) => {
      for (const feature of attached) await feature.onSessionsRevoked?.(req, userId, cleared, by);
    },
    // the login's end, for a feature's first factor (login is made below, once the features are attached)
    finishLogin: (req, res, userId, firstFactor) => login.finishLogin(req, res, userId, firstFactor),
    // sudo mode's one door, for a feature's proof (deps is made below, once the features are attached)
    confirmSudo: (req, res, proof) => confirmSudo(deps, req, res, proof),
    renderConfirmPage: (req, res, next, errors) => renderConfirmPage({ sudoFactor, sessionConfig: routeDeps.sessionConfig, waysIn: ways }, req, res, next, errors),
  };
  const attached = routeDeps.features.map((feature) => feature.attach(core));
  const sudoFactor: SudoFactor | undefined = attached.find((feature) => feature.sudoFactor)?.sudoFactor;
  const alerts = attached.find((feature) => feature.alerts)?.alerts;
  const onAccountDeleted = async (userId: string) => {
    for (const feature of routeDeps.features) await feature.onAccountDeleted?.(userId);
  };

  const deps = { ...routeDeps, events, sudoFactor, credentials, waysIn: ways, onAccountDeleted, sessionsRevoked: core.sessionsRevoked, features: attached };
  const health = healthChecks(deps.health, { logger: deps.logger, showReasons: !deps.isProduction });
  // an address typed at registration, where a feature takes one (features/mail)
  const register = registerPage({ ...deps, addEmail: attached.find((feature) => feature.addressAtRegistration)?.addressAtRegistration });
  const [home, login, logout] = [homePage(), loginPage(deps), logoutAction(deps)];
  const [dashboard, sessions, account] = [dashboardPage({ ...deps, redactors: routeDeps.features }), sessionsPage(deps), accountPages(deps)];
  const [confirm, activity] = [confirmPage(deps), activityPage(deps)];
  const anonymousSessions = limitAnonymousSessions(deps.throttle, deps.logger);
  const recentAuth = requireRecentAuth(deps.sessionConfig);

  // mounted first, before the session and the HTTPS check: a load balancer
  // polls them over plain HTTP, and they never cost a session lookup
  const probes = Router();
  //         path                        guards                                 handler
  probes.get('/healthz',                                                       health.live); //         routes/health.ts
  probes.get('/readyz',                                                        health.ready);

  // the front page, for a browser without a session cookie: the same page
  // for every such visitor (its notice from the URL aside), so it is served
  // before the session middleware and all that reads a session. With a
  // cookie, it goes on to the pages below, which show who is logged in
  const cookieless = Router();
  //         path                        guards                                 handler
  cookieless.get('/',                    withoutSessionCookie(deps.sessionConfig), templateLocals, home.show);

  // development only; before the app's session middleware, since the lab's
  // experiments have sessions of their own (its own table: lab/index.ts)
  const lab = deps.isProduction || !deps.lab ? undefined : labRoutes({
    lab: deps.lab,
    sessionConfig: deps.sessionConfig,
    appSessionStore: deps.appSessionStore,
    trace: deps.trace,
    experiments: routeDeps.features.flatMap((feature) => (feature.labExperiment ? [feature.labExperiment] : [])),
  });

  // everything else, with the app's session
  const pages = Router();
  //         path                        guards                                 handler
  pages.get( '/',                                                              home.show); //           routes/home.ts
  pages.get( '/register',                noStore, anonymousSessions,           register.form); //       routes/register.ts
  pages.post('/register',                noStore,                              register.submit);
  pages.get( '/login',                   noStore, anonymousSessions,           login.form); //          routes/login.ts
  pages.post('/login',                   noStore,                              login.submit);
  pages.post('/logout',                                                        logout.submit); //       routes/logout.ts
  pages.get( '/dashboard',               noStore, requireLogin,                dashboard.show); //      routes/dashboard.ts
  pages.get( '/dashboard/session.json',  noStore, requireLogin,                dashboard.storedSession);
  pages.get( '/sessions',                noStore, requireLogin,                sessions.list); //       routes/sessions.ts
  pages.post('/sessions/end',            noStore, requireLogin,                sessions.endOne);
  pages.post('/sessions/end-others',     noStore, requireLogin,                sessions.endOthers);
  pages.get( '/account/activity',        noStore, requireLogin,                activity.show); //       routes/activity.ts
  pages.get( '/account/password',        noStore, requireLogin,                account.passwordForm); // routes/account.ts
  pages.post('/account/password',        noStore, requireLogin,                account.changePassword);
  pages.get( '/account/confirm',         noStore, requireLogin,                confirm.form); //        routes/confirm.ts
  pages.post('/account/confirm',         noStore, requireLogin,                confirm.submit);
  pages.get( '/account/delete',          noStore, requireLogin, recentAuth,    account.deleteForm);
  pages.post('/account/delete',          noStore, requireLogin, recentAuth,    account.deleteAccount);

  // each feature's pages (two-factor, passkeys, mail: their index.ts has
  // their rows), behind the same guards
  for (const feature of attached) feature.mount?.(pages, { noStore, requireLogin, anonymousSessions, recentAuth });

  // a login or registration form refused for its CSRF token: shown again, or
  // on to where it was going (routes/stale-forms.ts); app.ts runs this as an
  // error handler, after the pages
  const staleForm = staleForms({ '/login': login.staleSubmit, '/register': register.staleSubmit }, anonymousSessions, deps.logger);

  return { probes, cookieless, lab, pages, staleForm };
}
