// dashboard: the private page, with two counters that teach two lessons.
import type { RequestHandler } from 'express';
import { Types } from 'mongoose';
import type { Config } from '../config.js';
import type { Feature } from '../feature.js';
import type { UserModel } from '../models/user.js';
import { browserHalf, redactedDocument, serverDeadlines } from '../session/inspector.js';
import { endSession } from '../session/lifecycle.js';
import { saveSession } from '../session/promises.js';
import type { UserSessions } from '../session/user-sessions.js';

export function dashboardPage(deps: { users: UserModel; userSessions: UserSessions; sessionConfig: Config['session']; redactors: Pick<Feature, 'redactSession'>[] }) {
  const { users, userSessions } = deps;

  const show: RequestHandler = async (req, res) => {
    // lifetime visits: one atomic $inc in MongoDB, so two tabs or two servers
    // counting at once never lose a visit (read-add-write in JS would). The
    // page shows the new count, so the command returns it (findAndModify):
    // still one command, where an updateOne and a read would be two.
    // No projection: not every MongoDB-compatible server supports one in
    // findAndModify, and the document is small. Sent with the driver itself:
    // Mongoose's query building, casting and lean() took about 5 % of a
    // dashboard view's CPU, for nothing here. requireLogin has made sure
    // there is a userId (the session's own, set at login).
    const user = await users.collection.findOneAndUpdate(
      { _id: new Types.ObjectId(req.session.userId) },
      { $inc: { lifetimeVisits: 1 } },
      { returnDocument: 'after' },
    );
    if (!user) {
      // the account was deleted while this session lived: end the session
      await endSession(req, res, deps.sessionConfig);
      res.redirect(303, '/?notice=account-gone');
      return;
    }

    // session visits: kept in this session only, so a new login starts at 1
    req.session.dashboardVisits = (req.session.dashboardVisits ?? 0) + 1;
    // saved before rendering: a fast reload must see this count, not the last one
    await saveSession(req);

    res.render('dashboard', {
      title: 'Dashboard',
      username: String(user.username),
      sessionVisits: req.session.dashboardVisits,
      lifetimeVisits: Number(user.lifetimeVisits),
      loginAt: new Date(req.session.loginAt ?? Date.now()),
      inspector: { cookie: browserHalf(req, deps.sessionConfig), deadlines: serverDeadlines(req, deps.sessionConfig) },
    });
  };

  // the session inspector's server half: this session's document as MongoDB
  // holds it. A request of its own (the dashboard page fetches it), so a
  // dashboard view still costs three database commands, and what it shows
  // includes the save the dashboard view just made.
  const storedSession: RequestHandler = async (req, res) => {
    const doc = await userSessions.stored(req.sessionID);
    if (!doc) {
      res.status(404).json({ error: 'This session is not in the store (any more).' });
      return;
    }
    res.json(redactedDocument(doc, deps.redactors));
  };

  return { show, storedSession };
}
