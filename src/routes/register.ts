// register: create an account, then sign the new user in.
import type { RequestHandler } from 'express';
import { emailForm } from '../auth/email-address.js';
import { fieldErrors, registerForm, typedUsername } from '../auth/forms.js';
import { renderTooManyRequests } from '../security/too-many.js';
import { isDuplicateKeyError, usernameKey } from '../models/user.js';
import { csrfTokenForForm, ensureCsrfToken } from '../session/csrf.js';
import { signIn } from '../session/lifecycle.js';
import { STALE_FORM } from './login.js';
import type { AuthDeps } from '../checks/auth-deps.js';

const TAKEN = 'That username is already taken';

export interface RegisterDeps extends AuthDeps {
  /**
   * sends the verification link to an address given at registration; undefined when mail is off
   * (past the verification mails' hourly limits, registrations' own per recipient, it sends
   * nothing: the account is made all the same)
   */
  addEmail?: (userId: string, username: string, address: string) => Promise<{ sent: boolean }>;
}

/** The optional address of the form: undefined when left empty, else parsed. */
function typedEmail(body: unknown) {
  const value = (body as { email?: unknown } | undefined)?.email;
  if (value === undefined || (typeof value === 'string' && value.trim() === '')) return undefined;
  return emailForm.safeParse({ email: value });
}

export function registerPage(deps: RegisterDeps) {
  const { users, passwords, throttle, logger } = deps;

  const form: RequestHandler = async (req, res) => {
    if (req.session.userId) {
      res.redirect('/dashboard');
      return;
    }
    res.render('register', {
      title: 'Create an account',
      username: '',
      email: '',
      withEmail: deps.addEmail !== undefined,
      errors: {},
      csrfToken: await csrfTokenForForm(req),
    });
  };

  const submit: RequestHandler = async (req, res) => {
    const typed = (req.body as { email?: unknown } | undefined)?.email;
    const page = {
      title: 'Create an account',
      username: typedUsername(req.body),
      email: typeof typed === 'string' ? typed.slice(0, 254) : '',
      withEmail: deps.addEmail !== undefined,
      csrfToken: ensureCsrfToken(req),
    };
    const form = registerForm.safeParse(req.body ?? {});
    const email = deps.addEmail ? typedEmail(req.body) : undefined;
    if (!form.success || (email && !email.success)) {
      const errors = { ...(form.success ? {} : fieldErrors(form.error)), ...(email && !email.success ? fieldErrors(email.error) : {}) };
      res.status(400).render('register', { ...page, errors });
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
    // the address joins the account once its link is followed; whether
    // another account has it already is not said here (that would tell)
    const mailed = email?.success ? (await deps.addEmail?.(user.id, user.username, email.data.email))?.sent === true : false;

    await signIn(req, { id: user.id, username: user.username, sessionGeneration: user.sessionGeneration }, deps.sessionConfig);
    // the account's first sign-in: in its log, and this browser known to it
    // from now on (no alert: every browser is new to a new account)
    await deps.events.signedIn(req, res, user.id, 'password', { alert: false });
    // 303: the browser follows with a GET, and Refresh will not re-post the form
    // with an address, the dashboard says where its confirmation link went
    res.redirect(303, mailed ? '/dashboard?notice=address-mailed' : '/dashboard');
  };

  /**
   * A registration form whose CSRF token no longer matches the session
   * (routes/stale-forms.ts): logged in meanwhile, on to the dashboard;
   * otherwise the form again, with the username and address typed, and why.
   */
  const staleSubmit: RequestHandler = async (req, res) => {
    if (req.session.userId) {
      res.redirect(303, '/dashboard');
      return;
    }
    const typed = (req.body as { email?: unknown } | undefined)?.email;
    res.status(403).render('register', {
      title: 'Create an account',
      username: typedUsername(req.body),
      email: typeof typed === 'string' ? typed.slice(0, 254) : '',
      withEmail: deps.addEmail !== undefined,
      errors: {},
      staleNotice: STALE_FORM,
      csrfToken: await csrfTokenForForm(req),
    });
  };

  return { form, submit, staleSubmit };
}
