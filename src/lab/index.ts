// lab: pages where each classic session mistake can be tried, beside the right
// way. Development only: createApp mounts it when NODE_ENV is not production.
//
// The lab has sessions of its own (cookies with Path=/lab, documents in lab_*
// collections), set up before the app's session middleware, so nothing done
// here can touch a real login. Its pages' header still shows the real login:
// read from the app's session store, never written.
import { promisify } from 'node:util';
import { Router, type Request } from 'express';
import { notFound } from '../middleware/errors.js';
import { csrfProtection } from '../session/csrf.js';
import { sessionIdInCookie } from '../session/cookie-id.js';
import { expiredReason } from '../session/timeouts.js';
import { lostUpdatesRoutes } from './lost-updates.js';
import { redirectRaceRoutes } from './redirect-race.js';
import { resurrectionRoutes, WAYS } from './resurrection.js';
import { saveUninitializedRoutes } from './save-uninitialized.js';
import { twoFactorRoutes } from './two-factor.js';
import { LAB_COLLECTIONS } from './lab-database.js';
import { tracedLabStore, type LabDeps } from './lab-deps.js';
import { traceData, tracePage } from './trace/trace-routes.js';
import { LAB_SESSION_MAX_AGE_MS, labSession } from './session.js';


/**
 * Who is logged in to the app, for the layout's header: the username, and
 * the app session's CSRF token for the header's logout button. express-session
 * gives req.session to the first session middleware a request meets, and in
 * the lab that is the experiment's, so the app's session is read straight
 * from its store, by the ID in the app's cookie.
 */
async function appLogin(req: Request, deps: LabDeps): Promise<{ username: string; csrfToken: string | undefined } | undefined> {
  const id = sessionIdInCookie(req, deps.sessionConfig);
  if (id === undefined) return undefined;
  const store = deps.appSessionStore;
  const session = await promisify(store.get.bind(store))(id);
  // logged in, and not past a timeout that ends the session at its next app request
  if (!session?.userId || expiredReason(deps.sessionConfig, session, Date.now())) return undefined;
  return { username: session.username, csrfToken: session.csrfToken ?? undefined };
}

export function labRoutes(deps: LabDeps): Router {
  const router = Router();
  // one store on lab_sessions, for the lab's sessions and the redirect race's
  const sessionsStore = deps.lab.store(LAB_COLLECTIONS.sessions);
  const sessionOfTheLab = labSession(deps.sessionConfig, {
    store: tracedLabStore(deps, sessionsStore),
    name: 'cloakroom.lab',
    path: '/lab',
    maxAgeMs: LAB_SESSION_MAX_AGE_MS,
  });

  // the trace page's data: no session of any kind, the trace cookie says whose
  if (deps.trace) router.get('/trace.json', traceData(deps.trace));
  // the experiments that need a session set up differently mount theirs first
  // (express-session leaves req.session alone once one is there)
  router.use('/redirect-race', redirectRaceRoutes.sessionFor(deps, sessionsStore));
  router.use('/two-factor', twoFactorRoutes.sessionFor(deps));
  for (const way of WAYS) router.use(`/resurrection/${way}`, resurrectionRoutes.sessionFor(deps, way));
  router.use(saveUninitializedRoutes.visits(deps));
  router.use(sessionOfTheLab, csrfProtection, async (req, res, next) => {
    // the layout's locals. Only a GET renders a page, so only a GET looks
    // up the app's login (the experiments' posts show no header)
    res.locals.currentUser = req.method === 'GET' ? await appLogin(req, deps) : undefined;
    res.locals.notices = [];
    res.locals.path = req.originalUrl.split('?')[0];
    next();
  });

  router.get('/', (_req, res) => {
    res.render('lab/index', { title: 'The lab', experiments: deps.experiments ?? [] });
  });
  if (deps.trace) router.get('/trace', tracePage(deps.trace, deps.sessionConfig.secureCookie));
  router.use('/redirect-race', redirectRaceRoutes.pages());
  router.use('/lost-updates', lostUpdatesRoutes(deps));
  router.use('/save-uninitialized', saveUninitializedRoutes.pages(deps));
  router.get('/resurrection', (_req, res) => {
    res.redirect('/lab/resurrection/wrong');
  });
  for (const way of WAYS) router.use(`/resurrection/${way}`, resurrectionRoutes.pages(way));
  router.use('/two-factor', twoFactorRoutes.pages());
  // the features' own (a provider's login CSRF: features/oidc/lab-login-csrf.ts)
  for (const experiment of deps.experiments ?? []) router.use(`/${experiment.path}`, experiment.routes);
  // an address the lab does not have ends here. Passed on, it would reach the
  // app's session check with the lab's session in req.session, whose ID is
  // not the app cookie's: that check would take it for a session ended
  // elsewhere and send a logged-in browser to /login?next=, which sends it
  // straight back here
  router.use(notFound);
  return router;
}
