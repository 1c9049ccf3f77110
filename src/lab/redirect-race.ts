// the redirect race: log in, redirect, and land on a page that does not know
// you, because the browser asked for it before the session was saved.
//
// express-session saves a changed session when the response ends, but it
// sends the status line and headers first and holds back only the last byte
// of the body until the save is done. A browser follows a redirect as soon as
// it has the headers. So with a slow store, the next page is requested while
// the new session is not in MongoDB yet.
import { Router, type RequestHandler } from 'express';
import type { Store } from 'express-session';
import { ensureCsrfToken, csrfTokenForForm } from '../session/csrf.js';
import { regenerateSession, saveSession } from '../session/promises.js';
import { SlowStore } from './slow-store.js';
import { LAB_SESSION_MAX_AGE_MS, labData, labSession } from './session.js';
import { tracedLabStore, type LabDeps } from './lab-deps.js';

// long enough to see, short enough not to bore
export const LAB_STORE_DELAY_MS = 1000;

const LANDING = '/lab/redirect-race/landing';

function visitorName(body: unknown): string {
  const name = (body as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' && /^[\w .-]{1,32}$/.test(name.trim()) ? name.trim() : 'lab visitor';
}

/** Sessions for this experiment only: every save waits LAB_STORE_DELAY_MS. */
function sessionFor(deps: LabDeps, store: Store): RequestHandler {
  return labSession(deps.sessionConfig, {
    // traced outside the delay: the trace shows the save starting when express-session asks for it
    store: tracedLabStore(deps, new SlowStore(store, LAB_STORE_DELAY_MS)),
    name: 'cloakroom.lab-race',
    path: '/lab/redirect-race',
    maxAgeMs: LAB_SESSION_MAX_AGE_MS,
  });
}

function pages(): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    res.render('lab/redirect-race', {
      title: 'The redirect race',
      delayMs: LAB_STORE_DELAY_MS,
      // this page saves its session (for the form's CSRF token) before it is
      // sent, through the same slow store: that is the second it takes to load
      csrfToken: await csrfTokenForForm(req),
    });
  });

  // the wrong way, as many tutorials write it
  router.post('/wrong', (req, res, next) => {
    const name = visitorName(req.body);
    req.session.regenerate((err: unknown) => {
      if (err) {
        next(err);
        return;
      }
      labData(req).labVisitor = name;
      ensureCsrfToken(req);
      // the session is saved only as this response ends, after the browser
      // already has the redirect
      res.redirect(303, `${LANDING}?way=wrong`);
    });
  });

  // the right way: Cloakroom's signIn() order
  router.post('/right', async (req, res) => {
    const name = visitorName(req.body);
    await regenerateSession(req);
    labData(req).labVisitor = name;
    ensureCsrfToken(req);
    // respond only once the store has the session
    await saveSession(req);
    res.redirect(303, `${LANDING}?way=right`);
  });

  router.get('/landing', (req, res) => {
    res.render('lab/redirect-race-landing', {
      title: 'The redirect race: where you landed',
      way: req.query.way === 'right' ? 'right' : 'wrong',
      visitor: labData(req).labVisitor,
    });
  });

  return router;
}

export const redirectRaceRoutes = { sessionFor, pages };
