// the resurrection race: log out while a slow request of the same session is
// still running. The slow request read the session before the logout deleted
// it, and saves it when it is done. With a store whose save is an upsert
// (connect-mongo as it comes) that save writes the deleted session back, and
// its response even hands the browser the cookie again: logged out, then
// logged in. With Cloakroom's store (session/race-safe-store.ts) a session
// that was read is only ever updated, never re-created, so the save fails and
// the session stays gone.
//
// Each way has a lab session of its own (its own cookie and path), in one
// throwaway collection; only the store differs. The same handlers serve both.
import { Router, type RequestHandler } from 'express';
import { csrfTokenForForm, ensureCsrfToken } from '../session/csrf.js';
import { destroySession, regenerateSession, saveSession } from '../session/promises.js';
import { SessionEndedError, storageId } from '../session/race-safe-store.js';
import { LAB_COLLECTIONS } from './lab-database.js';
import { LAB_SESSION_MAX_AGE_MS, labData, labSession } from './session.js';
import { tracedLabStore, type LabDeps } from './lab-deps.js';

export const WAYS = ['wrong', 'right'] as const;
export type Way = (typeof WAYS)[number];

// the slow request: long enough to press "log out" while it runs
export const SLOW_REQUEST_MS = 1000;

const cookieName = (way: Way) => `cloakroom.lab-resurrection-${way}`;
const pathOf = (way: Way) => `/lab/resurrection/${way}`;

/** The lab session of one way: a plain upsert store the wrong way, the race-safe store the right way. */
function sessionFor(deps: LabDeps, way: Way): RequestHandler {
  const collection = LAB_COLLECTIONS.resurrection;
  return labSession(deps.sessionConfig, {
    store: way === 'wrong' ? tracedLabStore(deps, deps.lab.store(collection)) : tracedLabStore(deps, deps.lab.raceSafeStore(collection), storageId),
    name: cookieName(way),
    path: pathOf(way),
    maxAgeMs: LAB_SESSION_MAX_AGE_MS,
  });
}

function pages(way: Way): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    res.render('lab/resurrection', {
      title: `The resurrection race: the ${way} way`,
      way,
      other: way === 'wrong' ? 'right' : 'wrong',
      base: pathOf(way),
      slowMs: SLOW_REQUEST_MS,
      csrfToken: await csrfTokenForForm(req),
    });
  });

  // a pretend login: a new session with someone in it, saved before the answer
  router.post('/login', async (req, res) => {
    await regenerateSession(req);
    labData(req).labVisitor = 'lab visitor';
    const csrfToken = ensureCsrfToken(req);
    await saveSession(req);
    res.set('Cache-Control', 'no-store').json({ csrfToken });
  });

  // a request that reads the session, works for a second, then saves it: a
  // report being generated, a slow page, a prefetch the browser started
  router.get('/slow', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const loggedIn = Boolean(labData(req).labVisitor);
    await new Promise((resolve) => setTimeout(resolve, SLOW_REQUEST_MS));
    const session = labData(req);
    session.labHits = (session.labHits ?? 0) + 1;
    try {
      await saveSession(req);
      res.json({ loggedIn, saved: true });
    } catch (err) {
      if (!(err instanceof SessionEndedError)) throw err;
      // what the app does (session/middleware.ts): this request is no longer logged in
      (req as { session?: unknown }).session = undefined;
      res.clearCookie(cookieName(way), { path: pathOf(way) });
      res.json({ loggedIn, saved: false });
    }
  });

  router.post('/logout', async (req, res) => {
    await destroySession(req);
    res.clearCookie(cookieName(way), { path: pathOf(way) });
    res.set('Cache-Control', 'no-store').json({ loggedOut: true });
  });

  router.get('/status', (req, res) => {
    res.set('Cache-Control', 'no-store').json({ loggedIn: Boolean(labData(req).labVisitor) });
  });

  // a CSRF token for the next run (the last one died with its session)
  router.get('/token', async (req, res) => {
    res.set('Cache-Control', 'no-store').json({ csrfToken: await csrfTokenForForm(req) });
  });

  return router;
}

export const resurrectionRoutes = { sessionFor, pages };
