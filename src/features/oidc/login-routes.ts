// provider sign-in: "Sign in with <provider>" on the login page, and the
// callback the provider sends the browser back to.
//
//   POST /login/oidc/start    a pending sign-in (state, nonce, PKCE verifier)
//                             kept in the session, then 303 to the provider
//   GET  /login/oidc/callback the pending sign-in the state names, taken out
//                             (used once) before the code is exchanged; the
//                             code exchanged with the verifier, the ID
//                             token's nonce checked; then the account
//                             (accounts.ts) signed in through the core's
//                             login end (CoreDeps.finishLogin): a new session
//                             ID, saved before the 303, the security log's
//                             'signed-in', and two-factor's code first where
//                             the account has it on
//
//   POST /account/confirm/oidc sudo mode's confirm page, for an account with
//                             no password anyone knows (a provider made it):
//                             the same trip, the provider asked to check its
//                             user again; back with a subject linked to this
//                             very account, the proof goes through sudo
//                             mode's one door (CoreDeps.confirmSudo) as a
//                             first factor: sudo mode, or the code next where
//                             the account has two-factor on
//
// The callback is a top-level GET navigation from the provider's site. The
// session cookie is SameSite=Lax (session/middleware.ts), which browsers
// send on exactly that (a cross-site top-level GET), so the callback finds
// the session the pending sign-in is in. Strict would not be sent there,
// and every callback would find no pending sign-in.
import type { Request, RequestHandler, Response } from 'express';
import { beginCheckedAttempt } from '../../checks/checked-attempt.js';
import type { CoreDeps } from '../../feature.js';
import { safeNextPath } from '../../safe-next.js';
import { renderTooManyRequests } from '../../security/too-many.js';
import { saveSession } from '../../session/promises.js';
import { CONFIRM_PATH } from '../../session/recent-auth.js';
import type { ProviderAccounts } from './accounts.js';
import { rememberPending, takePending, type PendingSignIn } from './pending-sign-ins.js';
import { ProviderError, type Provider, type ProviderIdentity } from './provider.js';

export interface ProviderLoginDeps extends CoreDeps {
  provider: Provider;
  accounts: ProviderAccounts;
  providerName: string;
}

/** What a sign-in that did not finish says, and where to start again. */
export interface NotFinished {
  status: number;
  reason: string;
  /** a link: back to where it started */
  intent: PendingSignIn['intent'];
}

const NOT_FINISHED: Record<PendingSignIn['intent'], { heading: string; againHref: string; againLabel: string }> = {
  'sign-in': { heading: 'This sign-in could not be finished', againHref: '/login', againLabel: 'Try again' },
  link: { heading: 'This link could not be finished', againHref: '/account/linked', againLabel: 'Back to linked sign-in' },
  confirm: { heading: 'This confirmation could not be finished', againHref: CONFIRM_PATH, againLabel: 'Try again' },
};

export function renderNotFinished(res: Response, { status, reason, intent }: NotFinished): void {
  res.status(status).render('oidc/not-finished', { title: 'Sign-in not finished', reason, ...NOT_FINISHED[intent] });
}

/** Sends the browser to the provider with a new pending sign-in (shared with linking: linked-routes.ts). */
export async function sendToProvider(deps: ProviderLoginDeps, req: Request, res: Response, pending: Omit<PendingSignIn, 'nonce' | 'codeVerifier' | 'createdAt'>): Promise<void> {
  let trip;
  let issuerOrigin;
  try {
    // a confirmation: the provider checks its user again, not answering from its own session
    trip = await deps.provider.begin({ freshLogin: pending.intent === 'confirm' });
    issuerOrigin = new URL(await deps.provider.issuer()).origin;
  } catch (err) {
    if (!(err instanceof ProviderError)) throw err;
    deps.logger.warn({ event: 'oidc-provider-failed', stage: 'discovery', kind: err.kind, err: err.cause }, 'the OpenID provider could not be asked');
    renderNotFinished(res, { status: 502, reason: `${deps.providerName} could not be reached just now. Try again in a moment.`, intent: pending.intent });
    return;
  }
  await rememberPending(req, trip.state, { ...pending, nonce: trip.nonce, codeVerifier: trip.codeVerifier, createdAt: Date.now() });
  // a sign-in page on another host than the issuer (Amazon Cognito's), and
  // a form sent from a page whose CSP did not name it yet (served before the
  // provider's metadata came in, views/oidc/*.pug say so): the browser would
  // stop the redirect (form-action). A link is no form's answer: one click on
  const pageAllowed = ((req.body ?? {}) as Record<string, unknown>).providerPageAllowed === '1';
  if (!pageAllowed && new URL(trip.url).origin !== issuerOrigin) {
    res.render('oidc/continue', { title: `On to ${deps.providerName}`, url: trip.url, cancelHref: NOT_FINISHED[pending.intent].againHref });
    return;
  }
  res.redirect(303, trip.url);
}

export function providerLogin(deps: ProviderLoginDeps) {
  const { logger, accounts, providerName } = deps;

  const start: RequestHandler = async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const next = safeNextPath(body.next);
    if (req.session.userId) {
      res.redirect(303, next);
      return;
    }
    await sendToProvider(deps, req, res, { intent: 'sign-in', next, rememberMe: body.rememberMe === 'on' });
  };

  /** The account the identity signs in to, then the core's login end. */
  async function signInAs(req: Request, res: Response, identity: ProviderIdentity, pending: PendingSignIn): Promise<void> {
    const ip = req.ip ?? 'unknown';
    // a first sign-in makes an account: counted as a registration from this address
    const found = await accounts.forSignIn(identity, () => deps.throttle.consumeRegistration(ip));
    if (found.outcome === 'too-many') {
      logger.warn({ event: 'register-blocked', method: 'provider', ip }, 'provider sign-up refused: too many accounts from this address');
      renderTooManyRequests(res, found.retryAfterSeconds, 'register');
      return;
    }
    if (found.outcome === 'not-verified') {
      logger.info({ event: 'oidc-refused', reason: 'email-not-verified', ip }, 'provider sign-in refused: no verified address');
      renderNotFinished(res, {
        status: 403,
        reason: `${providerName} did not confirm an email address for your account there, so no account was made. Confirm your address at ${providerName} and try again, or create an account with a password.`,
        intent: 'sign-in',
      });
      return;
    }
    if (found.outcome === 'address-taken') {
      logger.info({ event: 'oidc-refused', reason: 'address-taken', ip }, 'provider sign-in refused: an account has the address');
      renderNotFinished(res, {
        status: 409,
        reason: `An account here already uses that email address. Log in with your password, then link ${providerName} from your settings (Linked sign-in): signing in with ${providerName} never takes over an account by its address.`,
        intent: 'sign-in',
      });
      return;
    }
    if (found.outcome === 'created') logger.info({ event: 'register', method: 'provider', userId: found.userId, ip }, 'account created by a provider sign-in');
    // counted against the account, as a login is; settled by the core's login end
    const attempt = await beginCheckedAttempt(deps, req, res, `provider:${found.userId}`, {
      event: 'login-blocked',
      message: 'provider login refused: too many attempts',
      fields: { method: 'provider' },
    });
    if (!attempt) return;
    // sudo mode counts from the login at the provider, not from now: a
    // provider that answered from its own session (no login page shown) is
    // no fresh proof, and one that does not say when gives none
    const finished = await deps.finishLogin(req, res, found.userId, {
      attempt,
      next: pending.next,
      rememberMe: pending.rememberMe,
      method: 'provider',
      provedAt: identity.loginAge === undefined ? 0 : Date.now() - identity.loginAge,
    });
    if (finished === 'gone') {
      await attempt.abandoned();
      renderNotFinished(res, { status: 400, reason: 'That account no longer exists.', intent: 'sign-in' });
    }
  }

  /**
   * Whether sudo mode may be confirmed with the provider: for an account with
   * no password anyone knows (one that has a password confirms with it). A
   * second factor still follows, through sudo mode's one door.
   */
  async function mayConfirm(userId: string): Promise<boolean> {
    return !(await deps.waysIn.passwordKnown(userId));
  }

  /** "Confirm with <provider>" on sudo mode's confirm page: to the provider, for this account. */
  const confirm: RequestHandler = async (req, res) => {
    const next = safeNextPath(((req.body ?? {}) as Record<string, unknown>).next);
    const userId = req.session.userId ?? '';
    if (!(await mayConfirm(userId))) {
      res.status(400);
      await deps.renderConfirmPage(req, res, next, { oidc: `Confirm with your password: ${providerName} confirms only an account that has none.` });
      return;
    }
    await sendToProvider(deps, req, res, { intent: 'confirm', userId, next, rememberMe: false });
  };

  /** Back from the provider for a confirmation: sudo mode, if the subject is linked to this very account. */
  async function confirmed(req: Request, res: Response, identity: ProviderIdentity, pending: PendingSignIn): Promise<void> {
    const userId = req.session.userId;
    if (!userId || userId !== pending.userId) {
      renderNotFinished(res, { status: 400, reason: 'You are no longer logged in as the account that asked. Log in and try again.', intent: 'confirm' });
      return;
    }
    if ((await accounts.accountOf(identity)) !== userId) {
      logger.info({ event: 'reauth-failed', method: 'provider', reason: 'not-linked', userId, ip: req.ip }, 'provider confirmation refused: the subject does not sign in to this account');
      await deps.events.record(req, userId, { type: 'sign-in-failed', method: 'provider' });
      renderNotFinished(res, { status: 403, reason: `That ${providerName} account does not sign in to this account. Nothing was changed.`, intent: 'confirm' });
      return;
    }
    // a password set while the browser was away
    if (!(await mayConfirm(userId))) {
      renderNotFinished(res, { status: 400, reason: `Your account has changed meanwhile: it has a password now, so confirm with it. Nothing was changed.`, intent: 'confirm' });
      return;
    }
    // the first factor, made at the provider just now (provider.finish
    // refused an older login): sudo mode, or the code next (CoreDeps.confirmSudo)
    await deps.confirmSudo(req, res, { factors: 'first', method: 'provider', label: providerName, provedAt: Date.now() - (identity.loginAge ?? 0), next: pending.next });
  }

  /** Links the identity to the account logged in that asked for it. */
  async function link(req: Request, res: Response, identity: ProviderIdentity, pending: PendingSignIn): Promise<void> {
    const userId = req.session.userId;
    if (!userId || userId !== pending.userId) {
      renderNotFinished(res, { status: 400, reason: 'You are no longer logged in as the account that asked for the link. Log in and try again.', intent: 'link' });
      return;
    }
    const result = await accounts.link(userId, identity);
    if (result === 'taken') {
      logger.info({ event: 'oidc-link-refused', reason: 'linked-elsewhere', userId, ip: req.ip }, 'provider link refused: the subject signs in to another account');
      renderNotFinished(res, { status: 409, reason: `That ${providerName} account already signs in to another account here. Unlink it there first.`, intent: 'link' });
      return;
    }
    if (result === 'linked') {
      logger.info({ event: 'oidc-linked', userId, ip: req.ip }, 'provider linked');
      await deps.events.record(req, userId, { type: 'provider-linked', name: providerName });
    }
    req.session.noticeOnce = `${providerName} is linked: you can sign in with it.`;
    // saved before the redirect: the next page shows the notice
    await saveSession(req);
    res.redirect(303, '/account/linked');
  }

  const callback: RequestHandler = async (req, res) => {
    const { error } = req.query;
    const state = typeof req.query.state === 'string' ? req.query.state : undefined;
    // taken out and saved first: the same callback sent again finds nothing
    const pending = state === undefined ? undefined : await takePending(req, state);
    if ((!pending || state === undefined) && req.session.userId) {
      // signed in meanwhile (another tab's sign-in finished first, and its
      // new session holds no other tab's trip): nothing to do but go on
      res.redirect(303, '/dashboard');
      return;
    }
    if (!pending || state === undefined) {
      logger.info({ event: 'oidc-refused', reason: 'unknown-state', ip: req.ip }, 'provider callback refused: no pending sign-in for its state');
      renderNotFinished(res, {
        status: 400,
        reason: 'It was not started in this browser, took longer than ten minutes, or was already used. Nothing was changed.',
        intent: 'sign-in',
      });
      return;
    }
    if (typeof error === 'string') {
      renderNotFinished(res, { status: 400, reason: `${providerName} did not sign you in (${error.slice(0, 64)}). Nothing was changed.`, intent: pending.intent });
      return;
    }
    let identity: ProviderIdentity;
    try {
      const at = req.originalUrl.indexOf('?');
      const query = at === -1 ? '' : req.originalUrl.slice(at);
      identity = await deps.provider.finish(query, { state, nonce: pending.nonce, codeVerifier: pending.codeVerifier, freshLoginSince: pending.intent === 'confirm' ? pending.createdAt : undefined });
    } catch (err) {
      if (!(err instanceof ProviderError)) throw err;
      logger.warn({ event: 'oidc-provider-failed', stage: 'callback', kind: err.kind, err: err.cause, ip: req.ip }, 'provider callback failed');
      renderNotFinished(res, {
        status: err.kind === 'unreachable' ? 502 : 400,
        reason: err.kind === 'unreachable' ? `${providerName} could not be reached to finish it. Try again in a moment.` : `What came back from ${providerName} did not pass our checks. Nothing was changed.`,
        intent: pending.intent,
      });
      return;
    }
    if (pending.intent === 'link') await link(req, res, identity, pending);
    else if (pending.intent === 'confirm') await confirmed(req, res, identity, pending);
    else await signInAs(req, res, identity, pending);
  };

  return { start, callback, confirm };
}
