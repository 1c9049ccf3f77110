// lost updates: many requests at once, each adding one to a counter in the
// session and to a counter in MongoDB. Each request reads the session when it
// starts and writes all of it back when it ends, so concurrent requests
// overwrite each other's increments (last write wins). The database counter
// is one atomic $inc per request, and counts every one.
import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import { ensureCsrfToken } from '../session/csrf.js';
import { saveSession } from '../session/promises.js';
import { LAB_COLLECTIONS } from './lab-database.js';
import { labData } from './session.js';
import type { LabDeps } from './lab-deps.js';

export const LOST_UPDATES_BURST = 50;
// the work a real handler does between reading the session and writing it
const WORK_MS = 20;

interface Counter {
  _id: string;
  hits: number;
}

export function lostUpdatesRoutes(deps: LabDeps): Router {
  const counters = deps.lab.collection<Counter>(LAB_COLLECTIONS.counters);
  const router = Router();

  async function counts(labId: string | undefined, sessionHits: number | undefined) {
    const doc = labId ? await counters.findOne({ _id: labId }) : null;
    return { session: sessionHits ?? 0, database: doc?.hits ?? 0 };
  }

  router.get('/', async (req, res) => {
    const session = labData(req);
    const tokenBefore = session.csrfToken;
    const newCounter = !session.labId;
    if (newCounter) session.labId = randomBytes(9).toString('base64url');
    const csrfToken = ensureCsrfToken(req);
    // stored before the page goes out: its button posts with both at once
    if (newCounter || csrfToken !== tokenBefore) await saveSession(req);
    res.render('lab/lost-updates', {
      title: 'Lost updates',
      burst: LOST_UPDATES_BURST,
      csrfToken,
      counts: await counts(session.labId, session.labHits),
    });
  });

  router.post('/hit', async (req, res) => {
    const session = labData(req);
    if (!session.labId) {
      res.status(409).json({ error: 'Open the lost-updates page first: it gives your lab session its counter.' });
      return;
    }
    // read-add-write on the session: read when this request started
    const seen = session.labHits ?? 0;
    await new Promise((resolve) => setTimeout(resolve, WORK_MS));
    session.labHits = seen + 1;
    // one atomic update in MongoDB: no read, nothing to overwrite
    await counters.updateOne({ _id: session.labId }, { $inc: { hits: 1 } }, { upsert: true });
    // express-session writes the whole session back as this response ends
    res.status(204).end();
  });

  router.get('/counts', async (req, res) => {
    res.set('Cache-Control', 'no-store').json(await counts(labData(req).labId, labData(req).labHits));
  });

  router.post('/reset', async (req, res) => {
    const session = labData(req);
    session.labHits = 0;
    if (session.labId) await counters.deleteOne({ _id: session.labId });
    await saveSession(req);
    res.redirect(303, '/lab/lost-updates');
  });

  return router;
}
