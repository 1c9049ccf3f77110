// lab: pages where each classic session mistake can be tried, beside the right
// way. Development only: createApp mounts it when NODE_ENV is not production.
//
// The lab has sessions of its own (cookies with Path=/lab, documents in lab_*
// collections), set up before the app's session middleware, so nothing done
// here can touch a real login.
import { Router } from 'express';
import type { Config } from '../config.js';
import { csrfProtection } from '../security/csrf.js';
import { lostUpdatesRoutes } from './lost-updates.js';
import { redirectRaceRoutes } from './redirect-race.js';
import { resurrectionRoutes, WAYS } from './resurrection.js';
import { saveUninitializedRoutes } from './save-uninitialized.js';
import { LAB_COLLECTIONS, type LabDatabase } from './lab-database.js';
import { LAB_SESSION_MAX_AGE_MS, labSession } from './session.js';

export interface LabDeps {
  lab: LabDatabase;
  sessionConfig: Config['session'];
}

export function labRoutes(deps: LabDeps): Router {
  const router = Router();
  // one store on lab_sessions, for the lab's sessions and the redirect race's
  const sessionsStore = deps.lab.store(LAB_COLLECTIONS.sessions);
  const sessionOfTheLab = labSession(deps.sessionConfig, {
    store: sessionsStore,
    name: 'cloakroom.lab',
    path: '/lab',
    maxAgeMs: LAB_SESSION_MAX_AGE_MS,
  });

  // the experiments that need a session set up differently mount theirs first
  // (express-session leaves req.session alone once one is there)
  router.use('/redirect-race', redirectRaceRoutes.sessionFor(deps, sessionsStore));
  for (const way of WAYS) router.use(`/resurrection/${way}`, resurrectionRoutes.sessionFor(deps, way));
  router.use(saveUninitializedRoutes.visits(deps));
  router.use(sessionOfTheLab, csrfProtection, (req, res, next) => {
    // the layout's locals: the lab knows nothing of the real login
    res.locals.currentUser = undefined;
    res.locals.notices = [];
    res.locals.path = req.originalUrl;
    next();
  });

  router.get('/', (_req, res) => {
    res.render('lab/index', { title: 'The lab' });
  });
  router.use('/redirect-race', redirectRaceRoutes.pages());
  router.use('/lost-updates', lostUpdatesRoutes(deps));
  router.use('/save-uninitialized', saveUninitializedRoutes.pages(deps));
  router.get('/resurrection', (_req, res) => {
    res.redirect('/lab/resurrection/wrong');
  });
  for (const way of WAYS) router.use(`/resurrection/${way}`, resurrectionRoutes.pages(way));
  return router;
}
