// account: change the password, delete the account. Changing the password
// asks for the current one, and for a code when two-factor is on: the same
// check as the confirm page of sudo mode (checks/reauthenticate.ts), so that a
// stolen cookie plus the password can neither set a new password nor, through
// it, start sudo mode. Deleting the account is behind sudo mode
// (requireRecentAuth in the route table). Wrong passwords and codes count
// toward the same throttling as the login form.
//
// An account whose password nobody knows (a provider made it with a random
// one: the features say so, auth/ways-in.ts) has no current password to
// give: the same form sets its first one, in sudo mode instead (confirmed
// with the provider or a passkey). Either way the same things follow: every
// other session ends, the security log says "Password changed".
import type { Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';
import { changePasswordForm, deleteAccountForm, fieldErrors, setPasswordForm } from '../auth/forms.js';
import type { WaysIn } from '../auth/ways-in.js';
import { asksForCode, reauthenticate, type ReauthDeps } from '../checks/reauthenticate.js';
import type { CoreDeps, Feature } from '../feature.js';
import type { SecurityLog } from '../security-log/store.js';
import { ensureCsrfToken } from '../session/csrf.js';
import { endSession, renewSession } from '../session/lifecycle.js';
import { inSudoMode } from '../session/recent-auth.js';
import type { UserSessions } from '../session/user-sessions.js';
import { NO_CODE, WRONG_CODE } from './confirm.js';
import type { KnownBrowsers } from '../security/known-browser.js';

export interface AccountDeps extends ReauthDeps {
  userSessions: UserSessions;
  sessionsRevoked: CoreDeps['sessionsRevoked'];
  /** what each feature stores about an account goes with it (src/feature.ts) */
  onAccountDeleted: Feature['onAccountDeleted'];
  securityLog: SecurityLog;
  knownBrowsers: KnownBrowsers;
  /** whether the account's owner knows its password (a provider's account does not) */
  waysIn: WaysIn;
}

const WRONG_PASSWORD = 'That is not your current password';

function signedOutMessage(count: number, done: 'changed' | 'set'): string {
  if (count === 0) return `Your password has been ${done}. You were not logged in anywhere else.`;
  return `Your password has been ${done}, and ${count} other session${count === 1 ? ' was' : 's were'} signed out.`;
}

/** `?changed=2`: how many other sessions ended, from the URL, so only a number is used. */
function doneMessage(query: Record<string, unknown>): string | undefined {
  for (const done of ['changed', 'set'] as const) {
    const count = Number(query[done]);
    if (typeof query[done] === 'string' && Number.isInteger(count) && count >= 0 && count < 10_000) return signedOutMessage(count, done);
  }
  return undefined;
}

const CHANGE_PAGE = { view: 'account-password', title: 'Change your password' };
const SET_PAGE = { view: 'account-password', title: 'Set a password', setting: true };

export function accountPages(deps: AccountDeps) {
  const { users, passwords, userSessions, logger } = deps;

  /**
   * What the password form does first: the form is valid and the current
   * password (in `passwordField`) is right, with throttling. Otherwise the
   * form is shown again with what is wrong, and the result is undefined.
   */
  async function reauthenticatedForm<F extends string, D extends Record<F, string>>(
    req: Request,
    res: Response,
    page: { view: string; title: string },
    schema: z.ZodType<D>,
    passwordField: F,
  ) {
    // the form again, with the code field where the account has two-factor on
    // (read only then: reauthenticate() reads it itself for the check)
    const again = async (status: number, errors: Record<string, string | undefined>) =>
      res.status(status).render(page.view, { title: page.title, csrfToken: ensureCsrfToken(req), twoFactor: await asksForCode(deps, req), errors });
    const form = schema.safeParse(req.body ?? {});
    if (!form.success) {
      await again(400, fieldErrors(form.error));
      return undefined;
    }
    const code = (req.body as { code?: unknown }).code;
    const proof = await reauthenticate(deps, req, res, { password: form.data[passwordField], code, step: 'password-change' }, (wrong) =>
      wrong === 'password' ? again(400, { [passwordField]: WRONG_PASSWORD }) : again(wrong === 'code' ? 401 : 400, { code: wrong === 'code' ? WRONG_CODE : NO_CODE }),
    );
    return proof ? { user: proof.user, data: form.data } : undefined;
  }

  /** The form to set a first password (no current one), with what is wrong. */
  function renderSetForm(req: Request, res: Response, status: number, errors: Record<string, string | undefined>) {
    res.status(status).render(SET_PAGE.view, { ...SET_PAGE, csrfToken: ensureCsrfToken(req), twoFactor: false, errors });
  }

  const passwordForm: RequestHandler = async (req, res) => {
    const done = doneMessage(req.query);
    if (!(await deps.waysIn.passwordKnown(req.session.userId ?? ''))) {
      // a first password, in sudo mode
      if (!inSudoMode(req, res, deps.sessionConfig)) return;
      renderSetForm(req, res, 200, {});
      return;
    }
    res.render(CHANGE_PAGE.view, { ...CHANGE_PAGE, errors: {}, twoFactor: await asksForCode(deps, req), csrfToken: ensureCsrfToken(req), done });
  };

  /**
   * What a password change does once the new hash is stored: every other
   * session of the account ends, logins still running with the old password
   * included: whoever knew it, or held a cookie, is out; this session gets a
   * new ID and stays logged in. The same for a first password.
   */
  async function passwordChanged(req: Request, res: Response, userId: string, done: 'changed' | 'set') {
    const { ended: others, generation, cleared } = await userSessions.endOthers(userId, req.sessionID);
    req.session.generation = generation;
    // sudo mode: started by reauthenticate for a change, recent already for a first password
    await renewSession(req);
    logger.info({ event: done === 'set' ? 'password-set' : 'password-changed', userId, otherSessionsEnded: others }, `password ${done}`);
    // only this browser stays known: any other that knew the old password is new again
    await deps.knownBrowsers.forget(userId, deps.knownBrowsers.browserKeyOf(req));
    await deps.events.record(req, userId, { type: 'password-changed' });
    await deps.events.record(req, userId, { type: 'sessions-ended', by: 'password-change', count: others });
    await deps.sessionsRevoked(req, userId, cleared, 'password-change');
    res.redirect(303, `/account/password?${done}=${others}`);
  }

  /** A first password, for an account whose password nobody knows: in sudo mode, no current one asked. */
  async function setPassword(req: Request, res: Response, user: { _id: unknown; passwordHash: string }) {
    if (!inSudoMode(req, res, deps.sessionConfig)) return;
    const form = setPasswordForm.safeParse(req.body ?? {});
    if (!form.success) {
      renderSetForm(req, res, 400, fieldErrors(form.error));
      return;
    }
    // only over the random password: of two tabs setting one at once, one does
    const { modifiedCount } = await users.updateOne({ _id: user._id, passwordHash: user.passwordHash }, { $set: { passwordHash: await passwords.hash(form.data.newPassword) } });
    if (modifiedCount !== 1) {
      renderSetForm(req, res, 409, { newPassword: 'Your password was set meanwhile (another tab?). Reload this page to change it.' });
      return;
    }
    await passwordChanged(req, res, String(user._id), 'set');
  }

  const changePassword: RequestHandler = async (req, res) => {
    const userId = req.session.userId ?? '';
    // the hash read first: the first password replaces this one only
    const stored = await users.findById(userId, { passwordHash: 1 }).lean();
    if (stored && !(await deps.waysIn.passwordKnown(userId))) {
      await setPassword(req, res, stored);
      return;
    }
    const checked = await reauthenticatedForm(req, res, CHANGE_PAGE, changePasswordForm, 'currentPassword');
    if (!checked) return;
    const { user, data } = checked;

    // only over the password just checked: of several tabs changing it at
    // once, one does; the others find it changed and say their current
    // password is wrong, as it now is
    const { modifiedCount } = await users.updateOne({ _id: user._id, passwordHash: user.passwordHash }, { $set: { passwordHash: await passwords.hash(data.newPassword) } });
    if (modifiedCount !== 1) {
      res.status(409).render(CHANGE_PAGE.view, { ...CHANGE_PAGE, csrfToken: ensureCsrfToken(req), twoFactor: await asksForCode(deps, req), errors: { currentPassword: WRONG_PASSWORD } });
      return;
    }
    await passwordChanged(req, res, String(user._id), 'changed');
  };

  const deleteForm: RequestHandler = (req, res) => {
    res.render('account-delete', { title: 'Delete your account', errors: {}, csrfToken: ensureCsrfToken(req) });
  };

  const deleteAccount: RequestHandler = async (req, res) => {
    // the password was checked a moment ago: requireRecentAuth (sudo mode)
    const form = deleteAccountForm.safeParse(req.body ?? {});
    if (!form.success) {
      res.status(400).render('account-delete', { title: 'Delete your account', csrfToken: ensureCsrfToken(req), errors: fieldErrors(form.error) });
      return;
    }
    const userId = req.session.userId ?? '';
    // sessions first, then the user: if this stops halfway, the account is
    // still there to log in to and delete again, and nothing is orphaned
    await userSessions.endAll(userId);
    await deps.onAccountDeleted?.(userId);
    // the account's history goes with it: "nothing of it is left here"
    await deps.securityLog.forget(userId);
    await deps.knownBrowsers.forget(userId);
    await users.deleteOne({ _id: userId });
    await endSession(req, res, deps.sessionConfig);
    logger.info({ event: 'account-deleted', userId }, 'account deleted');
    res.redirect(303, '/?notice=account-deleted');
  };

  return { passwordForm, changePassword, deleteForm, deleteAccount };
}
