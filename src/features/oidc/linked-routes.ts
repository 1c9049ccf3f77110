// linked sign-in: /account/linked, the provider an account signs in with.
// Linking and unlinking change how the account can be entered: sudo mode
// first (the recentAuth guard, index.ts). Linking goes to the provider and
// back through the same callback as a sign-in (login-routes.ts), its pending
// entry marked 'link' with the account that asked. Unlinking is refused when
// the link is the last way in, by the core's one count (CoreDeps.waysIn:
// the password if its owner knows it, passkeys, links); once unlinked, every
// other session of the account ends, as after removing a passkey.
import type { RequestHandler } from 'express';
import { Types } from 'mongoose';
import { csrfTokenForForm } from '../../session/csrf.js';
import { renewSession } from '../../session/lifecycle.js';
import { saveSession } from '../../session/promises.js';
import type { ProviderLinkModel } from './links.js';
import { sendToProvider, type ProviderLoginDeps } from './login-routes.js';

/** Why the last way in stays: what the account can add first, of what this app offers. */
export function lastWayIn(offers: { passkeys: boolean; mail: boolean }): string {
  const password = `set a password (“Change password” sets a first one${offers.mail ? ', as does “Forgot your password?” on the login page' : ''})`;
  return `This is the only way into your account: ${password}${offers.passkeys ? ' or add a passkey' : ''} before unlinking it.`;
}

export function linkedPages(deps: ProviderLoginDeps & { links: ProviderLinkModel }) {
  const { links, logger, providerName } = deps;

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
    // which links are ways in depends on the provider's issuer (index.ts
    // waysIn): unknown while it cannot be reached, and then nothing is
    // counted, nor said to be the last way in
    if ((await deps.provider.issuer().catch(() => undefined)) === undefined) {
      await render(req, res, { status: 503, error: `${providerName} cannot be reached just now, so the ways into your account cannot be counted. Nothing was changed: try again in a moment.` });
      return;
    }
    // the last way in stays (refused at one: this link)...
    const lastOne = () => {
      const locals = res.app.locals as { features?: Record<string, boolean>; mailAvailable?: boolean };
      return render(req, res, { status: 409, error: lastWayIn({ passkeys: locals.features?.passkeys === true, mail: locals.mailAvailable === true }) });
    };
    if ((await deps.waysIn.count(userId)) <= 1) {
      await lastOne();
      return;
    }
    const removed = await links.findOneAndDelete({ _id: id, userId }).lean();
    // ...counted again once it is gone: a removal sent at once (another tab
    // unlinking another link, or removing a passkey) saw this one still there
    if (removed && (await deps.waysIn.count(userId)) === 0) {
      await links.create(removed);
      await lastOne();
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
