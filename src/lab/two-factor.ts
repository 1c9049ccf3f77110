// the two-factor shortcut: where a login with a second factor keeps the user
// between the password and the code.
//
// The wrong way puts the user in the session at the password step (the same
// field every guard checks) and asks for the code on the next page. The code
// page is then a page like any other: a request that skips it and asks for
// the dashboard straight away finds a logged-in session. Whoever has the
// password alone is in.
//
// The right way (Cloakroom's, session/pending-login.ts) keeps a *pending*
// login apart, under a field no guard reads, and puts the user in only when
// the code is right. Skipping the code page then gets you nowhere.
import { Router, type RequestHandler } from 'express';
import { csrfTokenForForm, ensureCsrfToken } from '../session/csrf.js';
import { regenerateSession, saveSession } from '../session/promises.js';
import { LAB_COLLECTIONS } from './lab-database.js';
import { LAB_SESSION_MAX_AGE_MS, labData, labSession } from './session.js';
import { tracedLabStore, type LabDeps } from './lab-deps.js';

type Way = 'wrong' | 'right';
// the lab's pretend authenticator app shows this code, always: the lesson is
// where the user is kept, not the code itself
export const LAB_CODE = '246810';
const LAB_USER = 'lab visitor';

const wayOf = (value: unknown): Way => (value === 'right' ? 'right' : 'wrong');

/**
 * Sessions for this experiment only (cookie path /lab/two-factor): it
 * regenerates them, as a login does. A store object of its own, on the lab's
 * sessions collection: express-session makes new sessions with the cookie
 * options of the last session middleware given that store object, so sharing
 * the lab's would give the lab's own cookie this experiment's path.
 */
function sessionFor(deps: LabDeps): RequestHandler {
  const store = tracedLabStore(deps, deps.lab.store(LAB_COLLECTIONS.sessions));
  return labSession(deps.sessionConfig, { store, name: 'cloakroom.lab-2fa', path: '/lab/two-factor', maxAgeMs: LAB_SESSION_MAX_AGE_MS });
}

function pages(): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    res.render('lab/two-factor', { title: 'The two-factor shortcut', code: LAB_CODE, csrfToken: await csrfTokenForForm(req) });
  });

  // step 1, the password (the lab takes any)
  router.post('/wrong/password', async (req, res) => {
    await regenerateSession(req);
    // the mistake: the user is in the session before the code is checked
    labData(req).labTwoFactorUser = LAB_USER;
    ensureCsrfToken(req);
    await saveSession(req);
    res.redirect(303, '/lab/two-factor/code?way=wrong');
  });

  router.post('/right/password', async (req, res) => {
    await regenerateSession(req);
    // halfway: who is trying to log in, under a field no guard reads
    labData(req).labTwoFactorPending = LAB_USER;
    ensureCsrfToken(req);
    await saveSession(req);
    res.redirect(303, '/lab/two-factor/code?way=right');
  });

  // step 2, the code
  router.get('/code', (req, res) => {
    res.render('lab/two-factor-code', { title: 'The two-factor shortcut: the code', way: wayOf(req.query.way), code: LAB_CODE, errors: {}, csrfToken: ensureCsrfToken(req) });
  });

  router.post('/code', async (req, res) => {
    const way = wayOf((req.body as { way?: unknown } | undefined)?.way);
    if ((req.body as { code?: unknown } | undefined)?.code !== LAB_CODE) {
      res.status(401).render('lab/two-factor-code', { title: 'The two-factor shortcut: the code', way, code: LAB_CODE, errors: { code: `The lab's code is ${LAB_CODE}` }, csrfToken: ensureCsrfToken(req) });
      return;
    }
    const data = labData(req);
    if (way === 'right') {
      const pending = data.labTwoFactorPending;
      // only now the user goes in, in a new session, as signIn() does
      await regenerateSession(req);
      if (pending) labData(req).labTwoFactorUser = pending;
    } else {
      data.labTwoFactorCodeChecked = true;
    }
    ensureCsrfToken(req);
    await saveSession(req);
    res.redirect(303, `/lab/two-factor/dashboard?way=${way}`);
  });

  // the page behind the login: its guard asks what every guard asks, "is a user in the session?"
  router.get('/dashboard', (req, res) => {
    const data = labData(req);
    res.render('lab/two-factor-dashboard', {
      title: 'The two-factor shortcut: the dashboard',
      way: wayOf(req.query.way),
      user: data.labTwoFactorUser,
      codeChecked: data.labTwoFactorCodeChecked === true || (req.query.way === 'right' && data.labTwoFactorUser !== undefined),
    });
  });

  return router;
}

export const twoFactorRoutes = { sessionFor, pages };
