// linked sign-in: /account/linked, the provider an account signs in with.
// Linking and unlinking change how the account can be entered: sudo mode
// first (the recentAuth guard, index.ts). Linking goes to the provider and
// back through the same callback as a sign-in (login-routes.ts), its pending
// entry marked 'link' with the account that asked. Unlinking is refused when
// the link is the last way in: an account with no password anyone knows
// (accounts.ts) and no credential of another feature (passkeys: the core's
// count, CoreDeps.credentials); once unlinked, every other session of the
// account ends, as after removing a passkey.
import type { RequestHandler } from 'express';
import { trusted, Types } from 'mongoose';
import { csrfTokenForForm } from '../../session/csrf.js';
import { renewSession } from '../../session/lifecycle.js';
import { saveSession } from '../../session/promises.js';
import type { ProviderLinkModel } from './links.js';
import { sendToProvider, type ProviderLoginDeps } from './login-routes.js';

export const LAST_WAY_IN = 'This is the only way into your account: set a password (“Forgot your password?” on the login page sends a link to your address) or add a passkey before unlinking it.';

export function linkedPages(deps: ProviderLoginDeps & { links: ProviderLinkModel }) {
  const { links, accounts, logger, providerName } = deps;

  async function render(req: Parameters<RequestHandler>[0], res: Parameters<RequestHandler>[1], failure?: { status: number; error: string }) {
    const userId = req.session.userId ?? '';
    const found = await links.find({ userId }, { email: 1, linkedAt: 1 }).sort({ linkedAt: 1 }).lean();
    res.status(failure?.status ?? 200).render('oidc/linked', {
      title: 'Linked sign-in',
      links: found.map((l) => ({ id: String(l._id), email: l.email ?? undefined, linkedAt: l.linkedAt })),
      error: failure?.error,
      csrfToken: await csrfTokenForForm(req),
    });
  }

  const show: RequestHandler = async (req, res) => {
    await render(req, res);
  };

  const link: RequestHandler = async (req, res) => {
    await sendToProvider(deps, req, res, { intent: 'link', userId: req.session.userId ?? '', next: '/account/linked', rememberMe: false });
  };

  const unlink: RequestHandler = async (req, res) => {
    const userId = req.session.userId ?? '';
    const id = (req.body as Record<string, unknown> | undefined)?.id;
    if (typeof id !== 'string' || !Types.ObjectId.isValid(id) || !(await links.exists({ _id: id, userId }))) {
      await render(req, res, { status: 400, error: 'No such link on your account.' });
      return;
    }
    // what else signs in to the account, once this link is gone (read while
    // the links, which carry the "password nobody knows" mark, are all there)
    const passwordUnknown = await accounts.hasNoPassword(userId);
    const otherWaysIn = async (exceptLinks: Record<string, unknown>) =>
      (await links.countDocuments({ userId, ...exceptLinks })) + ((await deps.credentials?.count(userId)) ?? 0) + (passwordUnknown ? 0 : 1);
    if ((await otherWaysIn({ _id: trusted({ $ne: new Types.ObjectId(id) }) })) === 0) {
      await render(req, res, { status: 409, error: LAST_WAY_IN });
      return;
    }
    const removed = await links.findOneAndDelete({ _id: id, userId }).lean();
    // counted again once it is gone: two unlinks sent at once (two tabs, each
    // with one of two links) each saw the other's link still there
    if (removed && (await otherWaysIn({})) === 0) {
      await links.create(removed);
      await render(req, res, { status: 409, error: LAST_WAY_IN });
      return;
    }
    // the provider may already have signed someone in (a link added by
    // whoever had this session a moment): every other session of the account
    // ends, logins still running included, as after removing a passkey...
    const { ended, generation, cleared } = await deps.userSessions.endOthers(userId, req.sessionID);
    // ...and this one carries the new generation, under a new session ID
    req.session.generation = generation;
    await renewSession(req);
    logger.info({ event: 'oidc-unlinked', userId, otherSessionsEnded: ended, ip: req.ip }, 'provider unlinked');
    await deps.events.record(req, userId, { type: 'provider-unlinked', name: providerName });
    await deps.events.record(req, userId, { type: 'sessions-ended', by: 'provider-unlinked', count: ended });
    await deps.sessionsRevoked(req, userId, cleared, 'provider-unlinked');
    req.session.noticeOnce = `${providerName} is unlinked: it no longer signs in to this account, and your other sessions were signed out.`;
    await saveSession(req);
    res.redirect(303, '/account/linked');
  };

  return { show, link, unlink };
}
