// register: create an account, then sign the new user in.
import type { RequestHandler } from 'express';
import { fieldErrors, registerForm, typedUsername } from '../auth/forms.js';
import { renderTooManyRequests } from '../middleware/too-many.js';
import { isDuplicateKeyError, usernameKey } from '../models/user.js';
import { csrfTokenForForm, ensureCsrfToken } from '../security/csrf.js';
import { signIn } from '../session/lifecycle.js';
import type { AuthDeps } from './login.js';

const TAKEN = 'That username is already taken';

export function registerPage(deps: AuthDeps) {
  const { users, passwords, throttle, logger } = deps;

  const form: RequestHandler = async (req, res) => {
    if (req.session.userId) {
      res.redirect('/dashboard');
      return;
    }
    res.render('register', {
      title: 'Create an account',
      username: '',
      errors: {},
      csrfToken: await csrfTokenForForm(req),
    });
  };

  const submit: RequestHandler = async (req, res) => {
    const page = { title: 'Create an account', username: typedUsername(req.body), csrfToken: ensureCsrfToken(req) };
    const form = registerForm.safeParse(req.body ?? {});
    if (!form.success) {
      res.status(400).render('register', { ...page, errors: fieldErrors(form.error) });
      return;
    }

    const verdict = await throttle.consumeRegistration(req.ip ?? 'unknown');
    if (verdict.blocked) {
      logger.warn({ event: 'register-blocked', ip: req.ip }, 'registration refused: too many from this address');
      renderTooManyRequests(res, verdict.retryAfterSeconds, 'register');
      return;
    }

    const key = usernameKey(form.data.username);
    // the hash comes first, for a taken name too: answering "taken" without
    // it would be ten times faster, and the timing alone would tell which
    // names exist (ASVS 6.3.8). The message itself says the name is taken,
    // as choosing a username must; the hourly limit per address above is
    // what keeps anyone from trying many names through this form.
    const passwordHash = await passwords.hash(form.data.password);
    let user;
    try {
      // awaited: the page must not claim success before MongoDB has the user;
      // the unique index decides, also when two people race for one name
      user = await users.create({ username: form.data.username, usernameKey: key, passwordHash });
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      res.status(409).render('register', { ...page, errors: { username: TAKEN } });
      return;
    }
    logger.info({ event: 'register', userId: user.id, ip: req.ip }, 'account created');

    await signIn(req, { id: user.id, username: user.username, sessionGeneration: user.sessionGeneration }, deps.sessionConfig);
    // 303: the browser follows with a GET, and Refresh will not re-post the form
    res.redirect(303, '/dashboard');
  };

  return { form, submit };
}
