// login: check the credentials, then start a fresh session.
import { Router } from 'express';
import { fieldErrors, loginForm, typedUsername } from '../auth/forms.js';
import type { PasswordVerifier } from '../auth/passwords.js';
import { DEFAULT_AFTER_LOGIN, safeNextPath } from '../auth/safe-next.js';
import type { Logger } from '../logger.js';
import { noStore } from '../middleware/no-store.js';
import { usernameKey, type UserModel } from '../models/user.js';
import { signIn } from '../session/sign-in.js';

// one message for both "no such user" and "wrong password": telling them
// apart would let anyone find out which usernames exist
export const LOGIN_FAILED = 'Invalid username or password';

export function loginRoutes(deps: { users: UserModel; passwords: PasswordVerifier; logger: Logger }): Router {
  const { users, passwords, logger } = deps;
  const router = Router();

  router.get('/login', noStore, (req, res) => {
    const next = safeNextPath(req.query.next);
    if (req.session.userId) {
      res.redirect(next);
      return;
    }
    res.render('login', { title: 'Log in', username: '', errors: {}, next: next === DEFAULT_AFTER_LOGIN ? '' : next });
  });

  router.post('/login', noStore, async (req, res) => {
    const body: unknown = req.body ?? {};
    const next = safeNextPath((body as { next?: unknown }).next);
    const page = { title: 'Log in', username: typedUsername(body), next: next === DEFAULT_AFTER_LOGIN ? '' : next };

    const form = loginForm.safeParse(body);
    if (!form.success) {
      res.status(400).render('login', { ...page, errors: fieldErrors(form.error) });
      return;
    }

    const user = await users
      .findOne({ usernameKey: usernameKey(form.data.username) }, { username: 1, passwordHash: 1 })
      .lean();
    const valid = await passwords.verify(form.data.password, user?.passwordHash);
    if (!user || !valid) {
      logger.info({ event: 'login-failed', reason: user ? 'bad-password' : 'unknown-user' }, 'login failed');
      res.status(401).render('login', { ...page, errors: { form: LOGIN_FAILED } });
      return;
    }

    await signIn(req, { id: String(user._id), username: user.username });
    logger.info({ event: 'login', userId: String(user._id) }, 'logged in');
    res.redirect(303, next);
  });

  return router;
}
