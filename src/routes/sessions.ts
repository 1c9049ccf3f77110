// sessions: "Your sessions", every place the user is logged in, and a way to
// sign any of them out. A session is named by its handle, never by its ID:
// the ID is the ticket, and whoever holds it is logged in.
import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Config } from '../config.js';
import type { AttachedFeature, CoreDeps } from '../feature.js';
import type { Logger } from '../logger.js';
import type { UserModel } from '../models/user.js';
import type { SecurityEvents } from '../security-log/security-events.js';
import { describeBrowser } from '../session/describe-browser.js';
import { endSession, SESSION_HANDLE_PATTERN } from '../session/lifecycle.js';
import { saveSession } from '../session/promises.js';
import { expiredReason, timeoutsFor } from '../session/timeouts.js';
import type { UserSessions } from '../session/user-sessions.js';

const handleForm = z.object({ handle: z.string().regex(SESSION_HANDLE_PATTERN) });

export function sessionsPage(deps: { userSessions: UserSessions; sessionsRevoked: CoreDeps['sessionsRevoked']; users: UserModel; sessionConfig: Config['session']; logger: Logger; events: SecurityEvents; features: AttachedFeature[] }) {
  const { userSessions, logger } = deps;

  const list: RequestHandler = async (req, res) => {
    const now = Date.now();
    const list = (await userSessions.list(req.session.userId ?? '', req.sessionID))
      // timed out on the server, though not yet removed from the store
      .filter((s) => s.current || !expiredReason(timeoutsFor(deps.sessionConfig, s), s, now))
      // this browser first, then the others as list() gives them: the most recently seen first
      .sort((a, b) => Number(b.current) - Number(a.current));
    res.render('sessions', {
      title: 'Your sessions',
      sessions: list.map((s) => ({
        ...s,
        browser: describeBrowser(s.userAgent),
        loginAt: s.loginAt === undefined ? undefined : new Date(s.loginAt),
        lastSeenAt: s.lastSeenAt === undefined ? undefined : new Date(s.lastSeenAt),
      })),
    });
  };

  const endOne: RequestHandler = async (req, res) => {
    const form = handleForm.safeParse(req.body);
    if (!form.success) {
      res.status(400).render('error', { title: 'Bad request', status: 400, message: 'That is not a session of yours.' });
      return;
    }
    const userId = req.session.userId ?? '';
    if (form.data.handle === req.session.handle) {
      // signing out this session is logging out
      await endSession(req, res, deps.sessionConfig);
      logger.info({ event: 'logout', userId }, 'logged out from the sessions page');
      await deps.events.record(req, userId, { type: 'sessions-ended', by: 'this-browser', count: 1 });
      res.redirect(303, '/?notice=signed-out');
      return;
    }
    const ended = await userSessions.endOne(userId, form.data.handle);
    logger.info({ event: 'session-ended', userId, ended }, 'a session was signed out from the sessions page');
    if (ended) {
      await deps.events.record(req, userId, { type: 'sessions-ended', by: 'another-browser', count: 1 });
      // what that session asked for goes with it: it may have been a thief's
      // (the mail feature's address change: src/feature.ts onSessionEnded)
      for (const feature of deps.features) await feature.onSessionEnded?.(req, userId, form.data.handle);
    }
    res.redirect(303, `/sessions?notice=${ended ? 'session-ended' : 'session-gone'}`);
  };

  const endOthers: RequestHandler = async (req, res) => {
    const userId = req.session.userId ?? '';
    const { ended, generation, cleared } = await userSessions.endOthers(userId, req.sessionID);
    // this session carries the user's new generation; its save also finds out
    // whether it was itself ended meanwhile
    req.session.generation = generation;
    await saveSession(req);
    logger.info({ event: 'sessions-ended', userId, count: ended }, 'every other session was signed out');
    await deps.events.record(req, userId, { type: 'sessions-ended', by: 'sign-out-everywhere', count: ended });
    await deps.sessionsRevoked(req, userId, cleared, 'sign-out-everywhere');
    res.redirect(303, '/sessions?notice=others-ended');
  };

  return { list, endOne, endOthers };
}
