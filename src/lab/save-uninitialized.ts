// saveUninitialized: with `true`, express-session stores a session for every
// visitor, even one it has nothing to remember about: a bot crawling a
// thousand pages leaves a thousand documents. With `false` (Cloakroom's
// choice) a session is stored only once something is put in it.
import { Router } from 'express';
import { csrfTokenForForm } from '../session/csrf.js';
import { LAB_COLLECTIONS } from './lab-database.js';
import { labSession } from './session.js';
import { tracedLabStore, type LabDeps } from './lab-deps.js';

export const ANONYMOUS_VISITS = 20;
const VISIT = '/save-uninitialized/visit';

/** Two tiny pages that never touch the session, one behind each setting. */
function visits(deps: LabDeps): Router {
  const router = Router();
  const store = tracedLabStore(deps, deps.lab.store(LAB_COLLECTIONS.uninitialized));
  for (const saveUninitialized of [true, false]) {
    router.get(
      `${VISIT}/${String(saveUninitialized)}`,
      labSession(deps.sessionConfig, { store, name: 'cloakroom.lab-visit', path: `/lab${VISIT}`, saveUninitialized }),
      (_req, res) => {
        res.type('text/plain').send(`An anonymous visit (saveUninitialized: ${String(saveUninitialized)}).`);
      },
    );
  }
  return router;
}

function pages(deps: LabDeps): Router {
  const stored = deps.lab.collection(LAB_COLLECTIONS.uninitialized);
  const router = Router();

  router.get('/', async (req, res) => {
    res.render('lab/save-uninitialized', {
      title: 'saveUninitialized',
      visits: ANONYMOUS_VISITS,
      stored: await stored.countDocuments(),
      csrfToken: await csrfTokenForForm(req),
    });
  });

  router.get('/count', async (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ stored: await stored.countDocuments() });
  });

  router.post('/reset', async (_req, res) => {
    await stored.deleteMany({});
    res.redirect(303, '/lab/save-uninitialized');
  });

  return router;
}

export const saveUninitializedRoutes = { visits, pages };
