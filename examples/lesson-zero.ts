// Lesson zero: session-based login in one file, with the libraries the rest of
// Cloakroom uses (Express 5, express-session, connect-mongo, Mongoose, bcrypt).
// Register, log in, count visits, log out; every step in the order that works.
//
//   npm run lesson-zero        (PORT, default 3001; MONGODB_URI, or a local database)
import path from 'node:path';
import bcrypt from 'bcrypt';
import { MongoStore } from 'connect-mongo';
import express, { type Request, type RequestHandler, type Response } from 'express';
import session from 'express-session';
import mongoose, { Schema, type Connection } from 'mongoose';

// what this app keeps in a session: set only once a password was checked
declare module 'express-session' {
  interface SessionData {
    userId: string;
    username: string;
    dashboardVisits: number;
  }
}

// users

const userSchema = new Schema({
  // unique in MongoDB itself: two people racing for one name cannot both win
  username: { type: String, required: true, unique: true },
  // bcrypt's output: salt, cost and hash in one string, never the password
  passwordHash: { type: String, required: true },
  // visits across all sessions, only ever changed with $inc
  lifetimeVisits: { type: Number, required: true, default: 0 },
});

const BCRYPT_COST = 10;
export const SESSION_COOKIE = 'sid';
const cookie = {
  // page scripts cannot read it: an XSS bug cannot steal the session
  httpOnly: true,
  // not sent with cross-site POSTs: a first line against CSRF
  sameSite: 'lax' as const,
  path: '/',
  // over HTTPS add secure: true (src/session/middleware.ts decides per environment)
};

// express-session's callbacks as promises, so a handler can wait for the store

function sessionCall(req: Request, method: 'regenerate' | 'save' | 'destroy'): Promise<void> {
  return new Promise((resolve, reject) => {
    req.session[method]((err: Error | undefined) => (err ? reject(err) : resolve()));
  });
}

// login: a new session ID, then the user in it, then saved, and only then a response

async function signIn(req: Request, user: { id: string; username: string }): Promise<void> {
  // a brand-new ID: one an attacker planted or saw before login is thrown away (session fixation)
  await sessionCall(req, 'regenerate');
  req.session.userId = user.id;
  req.session.username = user.username;
  // awaited: redirect before the store has it, and the browser's next request
  // can arrive first and find no session (the redirect race)
  await sessionCall(req, 'save');
  // express-session would save this regenerated session again as the response
  // ends (expressjs/session#935); that late copy could overwrite what the next
  // request saves. Nothing changes after this point, so that save is skipped.
  const saved = req.session;
  Object.defineProperty(saved, 'save', { configurable: true, writable: true, value: (done?: () => void) => { done?.(); return saved; } });
}

// pages: plain HTML, and everything a user typed escaped

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const send = (res: Response, status: number, title: string, body: string) =>
  res.status(status).type('html').send(`<!doctype html><html lang="en"><meta charset="utf-8"><title>${title}</title><h1>${title}</h1>${body}</html>`);

function form(res: Response, status: number, which: 'login' | 'register', error = '', username = ''): void {
  const login = which === 'login';
  send(res, status, login ? 'Log in' : 'Register', `
    ${error ? `<p role="alert">${escapeHtml(error)}</p>` : ''}
    <form method="post" action="/${which}">
      <label>Username <input name="username" value="${escapeHtml(username)}" required autocomplete="username"></label>
      <label>Password <input name="password" type="password" required minlength="8" autocomplete="${login ? 'current' : 'new'}-password"></label>
      <button>${login ? 'Log in' : 'Register'}</button>
    </form>
    <p>${login ? '<a href="/register">Create an account</a>' : '<a href="/login">Log in</a>'}</p>`);
}

// a form field as a string: `a=1&a=2` would make an array, and an array is no username
const field = (req: Request, name: string): string => {
  const value = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
};

// the app

export async function createLessonZero(options: { connection: Connection; sessionSecret: string }) {
  const { connection } = options;
  const User = connection.model('User', userSchema);
  // the unique index exists before the first registration
  await User.init();
  // compared against when the username is unknown, so that answer takes as long as a wrong password
  const noSuchUser = await bcrypt.hash('no such user', BCRYPT_COST);

  const app = express();
  // no X-Powered-By header to advertise the stack (helmet does this and more: src/app.ts)
  app.disable('x-powered-by');
  app.use(express.urlencoded({ extended: false }));
  app.use(
    session({
      // sessions in MongoDB, on the MongoClient the users use: one connection pool
      store: MongoStore.create({
        client: connection.getClient(),
        dbName: connection.name,
        // 'native' lets MongoDB delete expired sessions with a TTL index; this
        // timer works on any MongoDB-compatible server (src/db/expiry.ts picks)
        autoRemove: 'interval',
      }),
      secret: options.sessionSecret,
      // a cookie name that does not advertise the stack (the default is connect.sid)
      name: SESSION_COOKIE,
      // an unchanged session is not written back on every request
      resave: false,
      // no session, no document and no cookie until there is something to keep
      saveUninitialized: false,
      // the store forgets the session when the cookie expires
      cookie: { ...cookie, maxAge: 8 * 60 * 60 * 1000 },
    }),
  );

  const requireLogin: RequestHandler = (req, res, next) => (req.session.userId ? next() : res.redirect('/login'));

  app.get('/', (req, res) => res.redirect(req.session.userId ? '/dashboard' : '/login'));
  app.get('/register', (_req, res) => form(res, 200, 'register'));
  app.get('/login', (req, res) => (req.session.userId ? res.redirect('/dashboard') : form(res, 200, 'login')));

  // register: hash, create (the unique index decides), sign in, 303 to the dashboard
  app.post('/register', async (req, res) => {
    const username = field(req, 'username').trim();
    const password = field(req, 'password');
    // bcrypt reads only the first 72 bytes of a password: refuse longer ones rather than cut them
    if (!/^[\w.-]{3,32}$/.test(username) || password.length < 8 || Buffer.byteLength(password) > 72) {
      form(res, 400, 'register', 'A username of 3-32 letters, digits, . _ or -, and a password of 8 to 72 bytes', username);
      return;
    }
    let user;
    try {
      user = await User.create({ username, passwordHash: await bcrypt.hash(password, BCRYPT_COST) });
    } catch (err) {
      if ((err as { code?: unknown }).code !== 11000) throw err;
      form(res, 409, 'register', 'That username is already taken', username);
      return;
    }
    await signIn(req, { id: String(user._id), username: user.username });
    // 303: the browser follows with a GET, and a reload does not post the form again
    res.redirect(303, '/dashboard');
  });

  // login: one message for an unknown user and a wrong password, so neither tells which names exist
  app.post('/login', async (req, res) => {
    const username = field(req, 'username').trim();
    const user = await User.findOne({ username }).lean();
    if (!(await bcrypt.compare(field(req, 'password'), user?.passwordHash ?? noSuchUser)) || !user) {
      form(res, 401, 'login', 'Invalid username or password', username);
      return;
    }
    await signIn(req, { id: String(user._id), username: user.username });
    res.redirect(303, '/dashboard');
  });

  // dashboard: two counters, two lessons
  app.get('/dashboard', requireLogin, async (req, res) => {
    // lifetime visits: one atomic $inc, so two tabs counting at once never lose a visit
    const user = await User.findOneAndUpdate({ _id: req.session.userId }, { $inc: { lifetimeVisits: 1 } }, { returnDocument: 'after' }).lean();
    if (!user) {
      // the account is gone: so is this session
      await sessionCall(req, 'destroy');
      res.redirect(303, '/login');
      return;
    }
    // session visits: read, add, write back. Parallel requests of one session
    // can lose counts here (the last save wins); fine for this, not for money
    req.session.dashboardVisits = (req.session.dashboardVisits ?? 0) + 1;
    // saved before rendering: a quick reload must see this count, not the last one
    await sessionCall(req, 'save');
    // a private page: no copy in the browser's cache for the back button after logout
    res.set('Cache-Control', 'no-store');
    send(res, 200, 'Dashboard', `
      <p>Hello, ${escapeHtml(user.username)}.</p>
      <p>Visits in this session: <strong data-testid="visit-count">${req.session.dashboardVisits}</strong></p>
      <p>Visits ever: <strong data-testid="lifetime-visits">${user.lifetimeVisits}</strong></p>
      <form method="post" action="/logout"><button>Log out</button></form>`);
  });

  // logout: POST, never a GET link (an <img> or a prefetch could log people out)
  app.post('/logout', async (req, res) => {
    // deleted from the store, awaited: a copied cookie stops working too
    await sessionCall(req, 'destroy');
    // the browser drops its copy (same name and flags as when it was set)
    res.clearCookie(SESSION_COOKIE, cookie);
    res.redirect(303, '/login');
  });

  return app;
}

// run as a program: npx tsx examples/lesson-zero.ts
if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) {
  let uri = process.env.MONGODB_URI;
  let local: { stop(): Promise<void> } | undefined;
  if (!uri) {
    // the local database that npm run dev uses (a fresh one, gone at exit)
    const { startLocalDatabase } = await import('../src/db/local/index.js');
    const { pino } = await import('pino');
    const db = await startLocalDatabase({ engine: 'auto', dataDir: undefined, logger: pino({ level: 'warn' }) });
    [uri, local] = [db.uri('lesson_zero'), db];
  }
  const connection = await mongoose.createConnection(uri).asPromise();
  const app = await createLessonZero({ connection, sessionSecret: process.env.SESSION_SECRET ?? 'lesson zero: not a secret' });
  const port = Number(process.env.PORT ?? 3001);
  const server = app.listen(port, () => console.log(`Lesson zero listening on http://localhost:${port}`));
  process.once('SIGINT', () => {
    server.close();
    void connection.close().then(() => local?.stop()).then(() => process.exit(0));
  });
}

// What the real app adds, and where:
//   CSRF tokens on every form                    src/session/csrf.ts
//   login and registration throttling, lockout   src/security/throttle.ts
//   idle and absolute timeouts, "remember me"    src/session/timeouts.ts
//   case-insensitive usernames                   src/models/user.ts
//   a pepper, long passwords, hashing threads    src/auth/passwords.ts, bcrypt-pool.ts
//   a session ended in one tab stays ended       src/session/race-safe-store.ts
//   no session write per page view (touch)       src/session/library-workarounds.ts
//   sign out everywhere, after a password change src/session/revocation.ts
//   security headers (helmet), Secure cookies    src/app.ts, src/session/middleware.ts
//   two-factor, passkeys, password reset by mail src/routes/, src/auth/
