// register: create an account, then sign the new user in.
import { Router } from 'express';
import { fieldErrors, registerForm, typedUsername } from '../auth/forms.js';
import { hashPassword } from '../auth/passwords.js';
import type { Logger } from '../logger.js';
import { noStore } from '../middleware/no-store.js';
import { isDuplicateKeyError, usernameKey, type UserModel } from '../models/user.js';
import { signIn } from '../session/sign-in.js';

const TAKEN = 'That username is already taken';

export function registerRoutes(deps: { users: UserModel; bcryptCost: number; logger: Logger }): Router {
  const { users, bcryptCost, logger } = deps;
  const router = Router();

  router.get('/register', noStore, (req, res) => {
    if (req.session.userId) {
      res.redirect('/dashboard');
      return;
    }
    res.render('register', { title: 'Create an account', username: '', errors: {} });
  });

  router.post('/register', noStore, async (req, res) => {
    const form = registerForm.safeParse(req.body ?? {});
    const username = typedUsername(req.body);
    if (!form.success) {
      res.status(400).render('register', { title: 'Create an account', username, errors: fieldErrors(form.error) });
      return;
    }
    const key = usernameKey(form.data.username);

    // a cheap check first spares a bcrypt hash for names that are taken;
    // the unique index below still decides when two people race for a name
    if (await users.exists({ usernameKey: key })) {
      res.status(409).render('register', { title: 'Create an account', username, errors: { username: TAKEN } });
      return;
    }

    const passwordHash = await hashPassword(form.data.password, bcryptCost);
    let user;
    try {
      // awaited: the page must not claim success before MongoDB has the user
      user = await users.create({ username: form.data.username, usernameKey: key, passwordHash });
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      res.status(409).render('register', { title: 'Create an account', username, errors: { username: TAKEN } });
      return;
    }
    logger.info({ event: 'register', userId: user.id }, 'account created');

    await signIn(req, { id: user.id, username: user.username });
    // 303: the browser follows with a GET, and Refresh will not re-post the form
    res.redirect(303, '/dashboard');
  });

  return router;
}
