// passkeys: the account's passkeys. See each one (its name, when it was added
// and last used), rename it, remove it, add one. Every query carries the
// logged-in user's ID, so a passkey ID from another account finds nothing.
// Adding one is a WebAuthn registration ceremony: the page's script asks for
// the options (a GET that puts the challenge in the session), the browser
// creates the passkey, and the script posts its answer in a hidden field of
// an ordinary form (public/js/passkeys.js).
import type { CoreDeps, WaysIn } from '../../feature.js';
import type { Request, RequestHandler, Response } from 'express';
import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import { rememberChallenge, takeChallenge } from './challenges.js';
import { credentialFromForm, MAX_PASSKEY_NAME_LENGTH, type PasskeyCeremonies } from './ceremonies.js';
import { signInMethods } from './sign-in-methods.js';
import type { Logger } from '../../logger.js';
import { passkeyIdFrom, type PasskeyModel } from './model.js';
import type { UserModel } from '../../models/user.js';
import { ensureCsrfToken } from '../../session/csrf.js';
import { describeBrowser } from '../../session/describe-browser.js';
import { renewSession } from '../../session/lifecycle.js';
import type { UserSessions } from '../../session/user-sessions.js';
import type { SecurityEvents } from '../../security-log/security-events.js';

export interface PasskeyPageDeps {
  /** the security log, and the owner's alert mail for each change (security-log/) */
  events: SecurityEvents;
  users: UserModel;
  /** the core's count of the ways in: the last is never removed */
  waysIn: WaysIn;
  passkeys: PasskeyModel;
  ceremonies: PasskeyCeremonies;
  userSessions: UserSessions;
  sessionsRevoked: CoreDeps['sessionsRevoked'];
  logger: Logger;
}

// what the list page says after a change; chosen by key, never echoed from the URL
const DONE: Record<string, string> = {
  added: 'Your passkey has been added. You can sign in with it from the login page.',
  renamed: 'The passkey has been renamed.',
  removed: 'The passkey has been removed. It can no longer sign in to this account.',
};

/** After a removal: how many other sessions ended with it (the count comes from the URL, so only a number is used). */
function removedMessage(ended: unknown): string {
  const count = Number(ended);
  if (typeof ended !== 'string' || !Number.isInteger(count) || count < 0 || count >= 10_000) return DONE.removed ?? '';
  if (count === 0) return `${DONE.removed} You were not signed in anywhere else.`;
  return `${DONE.removed} ${count} other session${count === 1 ? ' was' : 's were'} signed out, in case one of them used it.`;
}

/** A passkey's name from a form: trimmed, 1 to 64 characters, no control characters. */
function passkeyName(value: unknown): { name: string } | { error: string } {
  const name = typeof value === 'string' ? value.trim() : '';
  if (name === '') return { error: 'Give the passkey a name' };
  if (name.length > MAX_PASSKEY_NAME_LENGTH) return { error: `Use at most ${MAX_PASSKEY_NAME_LENGTH} characters` };
  if (/\p{Cc}/u.test(name)) return { error: 'Use letters, digits, spaces and punctuation only' };
  return { name };
}

export function passkeyPages(deps: PasskeyPageDeps) {
  const { passkeys, ceremonies, logger } = deps;
  const methods = signInMethods(deps.waysIn, passkeys);
  const userIdOf = (req: Request) => req.session.userId ?? '';

  async function renderList(req: Request, res: Response, status: number, extra: { error?: string; done?: string } = {}) {
    const list = await passkeys
      .find({ userId: userIdOf(req) }, { name: 1, createdAt: 1, lastUsedAt: 1, backedUp: 1 })
      .sort({ createdAt: 1 })
      .lean();
    res.status(status).render('passkeys/list', {
      title: 'Your passkeys',
      passkeys: list.map((p) => ({ id: String(p._id), name: p.name, addedAt: p.createdAt, lastUsedAt: p.lastUsedAt ?? undefined, synced: p.backedUp })),
      csrfToken: ensureCsrfToken(req),
      ...extra,
    });
  }

  const list: RequestHandler = async (req, res) => {
    const done = req.query.done === 'removed' ? removedMessage(req.query.ended) : typeof req.query.done === 'string' ? DONE[req.query.done] : undefined;
    await renderList(req, res, 200, { done });
  };

  function renderNew(req: Request, res: Response, status: number, values: { name: string; errors: Record<string, string | undefined> }) {
    res.status(status).render('passkeys/new', { title: 'Add a passkey', csrfToken: ensureCsrfToken(req), ...values });
  }

  const newForm: RequestHandler = (req, res) => {
    // a name to start from: the browser and system this passkey is being made on
    renderNew(req, res, 200, { name: describeBrowser(req.get('user-agent') ?? '').replace(/ \d+ on /, ' on '), errors: {} });
  };

  /** The registration options, as JSON for the page's script; the challenge stays in the session. */
  const newOptions: RequestHandler = async (req, res) => {
    const { options, userHandle } = await ceremonies.registrationOptions({ id: userIdOf(req), username: req.session.username ?? '' });
    await rememberChallenge(req, 'add', options.challenge, userHandle);
    res.json(options);
  };

  const add: RequestHandler = async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const userId = userIdOf(req);
    const named = passkeyName(body.name);
    const typedName = typeof body.name === 'string' ? body.name.slice(0, 200) : '';
    if ('error' in named) {
      renderNew(req, res, 400, { name: typedName, errors: { name: named.error } });
      return;
    }
    const response = credentialFromForm<RegistrationResponseJSON>(body.response);
    if (!response) {
      renderNew(req, res, 400, { name: named.name, errors: { form: 'Your browser did not create a passkey. Try again.' } });
      return;
    }
    // out of the session (and saved) before anything is checked: used once
    const pending = await takeChallenge(req, 'add');
    if (!pending?.userHandle) {
      renderNew(req, res, 400, { name: named.name, errors: { form: 'That took too long, or the page was used twice. Try again.' } });
      return;
    }
    const result = await ceremonies.verifyRegistration(response, { challenge: pending.challenge, userHandle: pending.userHandle }, { userId, name: named.name });
    if (!result.ok) {
      logger.info({ event: 'passkey-add-failed', reason: result.reason, userId, ip: req.ip }, 'passkey not added');
      const message = result.reason === 'already-registered' ? 'This passkey is registered already.' : 'The passkey could not be checked. Try again.';
      renderNew(req, res, 400, { name: named.name, errors: { form: message } });
      return;
    }
    logger.info({ event: 'passkey-added', userId, passkeyId: String(result.passkeyId), ip: req.ip }, 'passkey added');
    // a passkey signs in as both factors, and outlives a password change or a
    // reset: whoever holds a session in its sudo window could add one, so the
    // owner hears of it
    await deps.events.record(req, userId, { type: 'passkey-added', name: named.name });
    res.redirect(303, '/account/passkeys?done=added');
  };

  const rename: RequestHandler = async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const id = passkeyIdFrom(body.id);
    const named = passkeyName(body.name);
    if (!id || 'error' in named) {
      await renderList(req, res, 400, { error: id ? `Not renamed: ${'error' in named ? named.error.toLowerCase() : ''}.` : 'No such passkey.' });
      return;
    }
    const userId = userIdOf(req);
    const { matchedCount } = await passkeys.updateOne({ _id: id, userId }, { $set: { name: named.name } });
    if (matchedCount === 0) {
      await renderList(req, res, 404, { error: 'No such passkey.' });
      return;
    }
    logger.info({ event: 'passkey-renamed', userId, passkeyId: String(id) }, 'passkey renamed');
    await deps.events.record(req, userId, { type: 'passkey-renamed', name: named.name });
    res.redirect(303, '/account/passkeys?done=renamed');
  };

  const remove: RequestHandler = async (req, res) => {
    const id = passkeyIdFrom((req.body as Record<string, unknown> | undefined)?.id);
    const userId = userIdOf(req);
    const result = id ? await methods.removePasskey(userId, id) : 'not-found';
    if (result === 'not-found') {
      await renderList(req, res, 404, { error: 'No such passkey.' });
      return;
    }
    if (result === 'last-method') {
      await renderList(req, res, 409, { error: 'This passkey is the only way left to sign in to your account, so it stays.' });
      return;
    }
    // a lost or stolen passkey may already have signed someone in: every
    // other session of the account ends, logins still running included, as
    // after a password change (routes/account.ts)...
    const { ended, generation, cleared } = await deps.userSessions.endOthers(userId, req.sessionID);
    // ...and this one carries the new generation, under a new session ID
    req.session.generation = generation;
    await renewSession(req);
    logger.info({ event: 'passkey-removed', userId, passkeyId: String(id), otherSessionsEnded: ended, ip: req.ip }, 'passkey removed');
    await deps.events.record(req, userId, { type: 'passkey-removed', name: result.removed });
    await deps.events.record(req, userId, { type: 'sessions-ended', by: 'passkey-removed', count: ended });
    await deps.sessionsRevoked(req, userId, cleared, 'passkey-removed');
    res.redirect(303, `/account/passkeys?done=removed&ended=${ended}`);
  };

  return { list, newForm, newOptions, add, rename, remove };
}
