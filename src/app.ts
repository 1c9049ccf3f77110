// app: builds the Express application from its dependencies. Nothing here
// connects, listens or reads the environment, so tests can build as many apps
// as they like, each with the store or database they need.
import express, { type Express } from 'express';
import type { Store } from 'express-session';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import { FIELD_LIMITS } from './auth/forms.js';
import { createPasswordHasher, type BcryptFunctions } from './auth/passwords.js';
import { errorHandler, notFound } from './middleware/errors.js';
import { formBodiesOnly } from './middleware/form-only.js';
import { httpsRequired } from './middleware/https-required.js';
import { requestLogger } from './middleware/request-log.js';
import { staticAssets } from './middleware/static-assets.js';
import { sessionEndedElsewhere, templateLocals } from './middleware/locals.js';
import { noStoreWhenLoggedIn } from './middleware/no-store.js';
import type { Feature } from './feature.js';
import type { UserModel } from './models/user.js';
import { VIEWS_DIR } from './paths.js';
import { describeDuration } from './duration.js';
import type { HealthChecks } from './routes/health.js';
import { routeTable } from './routes/index.js';
import type { LabDatabase } from './lab/lab-database.js';
import type { TraceRecorder } from './lab/trace/recorder.js';
import { TracedStore } from './lab/trace/traced-store.js';
import { traceRequests } from './lab/trace/trace-requests.js';
import { storageId } from './session/race-safe-store.js';
import type { AppMail } from './mail/app-mail.js';
import { csrfProtection } from './session/csrf.js';
import { securityHeaders } from './security/headers.js';
import { requireSameOrigin } from './security/same-origin.js';
import type { SecurityLog } from './security-log/store.js';
import type { LoginThrottle } from './security/throttle.js';
import { createSessionMiddleware, sessionEndedHandler } from './session/middleware.js';
import { enforceSessionTimeouts } from './session/enforce-timeouts.js';
import { linkPages } from './session/link-pages.js';
import type { UserSessions } from './session/user-sessions.js';
import type { KnownBrowsers } from './security/known-browser.js';

export interface AppDeps {
  config: Config;
  users: UserModel;
  /** the features FEATURES turned on, opened (src/feature.ts); none: the core alone */
  features: Feature[];
  sessionStore: Store;
  throttle: LoginThrottle;
  userSessions: UserSessions;
  /** browsers that have signed in to an account before (security/known-browser.ts) */
  knownBrowsers: KnownBrowsers;
  /** bcrypt itself: the threads of auth/bcrypt-pool.ts in the server */
  passwordHashing: BcryptFunctions;
  health: HealthChecks;
  logger: Logger;
  /** what the lab's experiments store (development only; see lab/) */
  lab?: LabDatabase;
  /**
   * what the lab's trace page shows (development only: lab/trace/). Given,
   * outside production, every request of a traced browser is recorded, and
   * the session store's calls with it.
   */
  trace?: TraceRecorder | undefined;
  /** mail (mail/app-mail.ts): without it, or with EMAIL=off, no page sends any */
  mail?: AppMail;
  /** the security log (security-log/store.ts): /account/activity reads it */
  securityLog: SecurityLog;
}

// form posts are a few hundred bytes; anything much larger is not a form of ours
const FORM_BODY_LIMIT = '8kb';

export function createApp(deps: AppDeps): Express {
  const { config, users, throttle, userSessions, health, logger } = deps;
  // never in production, whatever was handed in
  const trace = config.isProduction ? undefined : deps.trace;
  // the app's store, its calls shown on the trace page; it keeps each session under its ID's hash
  const sessionStore = trace ? new TracedStore(deps.sessionStore, trace, 'app', storageId) : deps.sessionStore;
  const passwords = createPasswordHasher({
    cost: config.passwords.bcryptCost,
    pepper: config.passwords.pepper,
    bcrypt: deps.passwordHashing,
  });
  const app = express();

  app.set('views', VIEWS_DIR);
  app.set('view engine', 'pug');
  // compiled templates are cached in production; in development edits show on reload
  app.set('view cache', config.isProduction);
  // the demo banner on every page (see DEMO_MODE)
  app.locals.demo = config.demo.enabled ? { ttl: describeDuration(config.demo.accountTtlMs) } : undefined;
  // each form field's maxlength: the server's own limit for it (auth/forms.ts)
  app.locals.limits = Object.assign({}, FIELD_LIMITS, ...deps.features.map((feature) => feature.fieldLimits)) as Record<string, number>;
  // which features are on, for the pages that link to them; their settings
  // pages in the header and on the dashboard; what their own views need
  app.locals.features = Object.fromEntries(deps.features.map((feature) => [feature.name, true]));
  app.locals.featureLinks = deps.features.flatMap((feature) => feature.accountLinks ?? []);
  for (const feature of deps.features) Object.assign(app.locals, feature.viewLocals);
  // stylesheets and scripts, linked by content-hashed URL: asset('/css/site.css')
  const assets = staticAssets({ isProduction: config.isProduction });
  app.locals.asset = assets.asset;
  // every route, with its guards: routes/index.ts
  const routes = routeTable({
    users,
    passwords,
    throttle,
    userSessions,
    features: deps.features,
    sessionConfig: config.session,
    logger,
    health,
    lab: deps.lab,
    appSessionStore: sessionStore,
    trace,
    isProduction: config.isProduction,
    mail: config.mail.enabled ? deps.mail : undefined,
    publicUrl: config.publicUrl,
    knownBrowsers: deps.knownBrowsers,
    securityLog: deps.securityLog,
    securityLogConfig: config.securityLog,
  });
  // the login page links to "forgot password" where the mail feature is on,
  // and has a mailer to send with
  const mailPages = deps.features.some((feature) => feature.name === 'mail') && config.mail.enabled && deps.mail !== undefined;
  app.locals.mailAvailable = mailPages;
  // the header's "Mail" link, and an "open the dev inbox" link on each page
  // that says a mail was sent, where /dev/mail is there (never in production)
  app.locals.devMailAvailable = mailPages && !config.isProduction && deps.mail?.inbox !== undefined;
  // the home page links to the lab where there is one (never in production)
  app.locals.labAvailable = routes.lab !== undefined;
  // behind a TLS-terminating proxy, Express must trust X-Forwarded-Proto to
  // know the request was HTTPS, or it refuses to send the Secure cookie
  app.set('trust proxy', config.trustProxy);
  app.disable('x-powered-by');

  // first of all, so that it sees all a traced request does (lab/trace/)
  if (trace) app.use(traceRequests(trace, config.session));
  app.use(requestLogger(logger, { isProduction: config.isProduction }));

  // CSP, HSTS, Referrer-Policy, Permissions-Policy and the rest (security/headers.ts)
  app.use(securityHeaders(config, () => deps.features.flatMap((feature) => feature.formActions?.() ?? [])));

  // static files and the liveness check come before the session middleware:
  // they never read or write a session, so they cost no database round trip
  app.use(assets);
  app.use(routes.probes);
  // a Secure session cookie never goes out over plain HTTP: say so, instead
  // of letting every form fail
  if (config.session.secureCookie) app.use(httpsRequired(logger));
  // the front page of a browser without a session cookie: nothing below
  // (forms, the session, its checks) has anything to do for it
  app.use(routes.cookieless);

  // state-changing requests: from this site only, as HTML forms only
  app.use(requireSameOrigin(logger));
  app.use(formBodiesOnly);
  // extended: false gives flat strings (and arrays for repeated keys), never
  // nested objects such as username[$ne]=x
  app.use(express.urlencoded({ extended: false, limit: FORM_BODY_LIMIT, parameterLimit: 20 }));
  // the lab: sessions of its own, so it comes before the app's session
  // middleware (its header reads the app's login from the store, read only)
  if (routes.lab) app.use('/lab', routes.lab);
  app.use(createSessionMiddleware(config.session, sessionStore));
  // a cookie for a session that is gone: to the login page, which says why
  // the pages a feature's mailed links open: they work logged in or not (session/link-pages.ts)
  const opensLinkPage = linkPages(deps.features.flatMap((feature) => feature.linkPages ?? []));
  app.use(sessionEndedElsewhere(config.session, opensLinkPage));
  app.use(noStoreWhenLoggedIn);
  const accountExists = async (userId: string) => (await users.exists({ _id: userId })) !== null;
  app.use(enforceSessionTimeouts(config.session, logger, accountExists, opensLinkPage));
  app.use(csrfProtection);
  app.use(templateLocals);

  app.use(routes.pages);

  app.use(notFound);
  app.use(sessionEndedHandler(config.session, logger));
  app.use(routes.staleForm);
  app.use(errorHandler(logger, !config.isProduction));
  return app;
}
