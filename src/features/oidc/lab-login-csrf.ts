// the lab's login CSRF: a provider's callback that does not check `state`.
//
// The attack: the attacker starts a sign-in in their own browser, logs in at
// the provider as themselves, and stops just before the provider's redirect
// back: they keep the callback URL (a code for *their* account) instead of
// opening it. They put it where the victim's browser opens it (a link, an
// <img>, a redirect). An app that does not tie the callback to the browser
// that started the sign-in exchanges the code and signs the victim in, to
// the attacker's account: what the victim saves there (a card, a document,
// their searches) the attacker reads later.
//
// The wrong way sends the browser to the provider with no `state` (and no
// PKCE), and the callback takes any code. The right way (the app's own:
// pending-sign-ins.ts) keeps a random `state`, with the nonce and the PKCE
// verifier, in the session of the browser that started, and the callback
// refuses a state this session does not hold: the attacker's link, opened by
// anyone else, finds nothing.
//
// In the lab, one browser plays both: "Be the attacker" takes you through
// the local provider (log in as mallory); the callback then stops, shows the
// attacker's link, and starts this browser on a new lab session, so that it
// is the victim, with none of the attacker's session. The lab has a local
// provider of its own, with cookies of its own (dev-provider.ts
// LAB_CLIENT_ID): nothing here reaches the app's callback or its accounts,
// and the attacker's login there never signs in the app's own "Sign in
// with …"; "signed in" means a name in the lab's session.
import { Router, type Request, type Response } from 'express';
import * as openid from 'openid-client';
import type { LabExperiment } from '../../feature.js';
import { csrfTokenForForm } from '../../session/csrf.js';
import { regenerateSession, saveSession } from '../../session/promises.js';

type Way = 'wrong' | 'right';
const WAYS: readonly Way[] = ['wrong', 'right'];
export const LAB_LOGIN_CSRF_PATH = 'login-csrf';
const PAGE = `/lab/${LAB_LOGIN_CSRF_PATH}`;
const TIMEOUT_SECONDS = 5;

/** What the experiment keeps in the lab's session. */
interface LoginCsrfData {
  /** this browser plays the attacker, the way named: its trip stops at the callback */
  attacker?: Way;
  /** the right way's trip: what only the session of the browser that started it holds */
  pending?: { state: string; nonce: string; codeVerifier: string };
  /** who this browser is signed in as here, and which way let it in */
  signedInAs?: { email: string; way: Way };
}

const read = (req: Request): LoginCsrfData => (req.session as { labLoginCsrf?: LoginCsrfData }).labLoginCsrf ?? {};
function write(req: Request, data: LoginCsrfData): void {
  (req.session as { labLoginCsrf?: LoginCsrfData }).labLoginCsrf = data;
}

export interface LabLoginCsrfOptions {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** PUBLIC_URL: the provider sends the browser back under it */
  publicUrl: string;
}

/** The callbacks registered for the lab's client at the local provider. */
export function labCallbackUris(publicUrl: string): string[] {
  return WAYS.map((way) => `${publicUrl}${PAGE}/${way}/callback`);
}

export function labLoginCsrf(options: LabLoginCsrfOptions): LabExperiment {
  let discovered: Promise<openid.Configuration> | undefined;
  const configuration = (): Promise<openid.Configuration> => {
    discovered ??= openid
      .discovery(new URL(options.issuer), options.clientId, options.clientSecret, undefined, { execute: [openid.allowInsecureRequests], timeout: TIMEOUT_SECONDS })
      .catch((err: unknown) => {
        discovered = undefined;
        throw err;
      });
    return discovered;
  };
  const callbackUri = (way: Way) => `${options.publicUrl}${PAGE}/${way}/callback`;

  async function render(req: Request, res: Response, status = 200, refused?: string): Promise<void> {
    res.status(status).render('oidc/lab-login-csrf', {
      title: 'Login CSRF',
      signedInAs: read(req).signedInAs,
      refused,
      csrfToken: await csrfTokenForForm(req),
    });
  }

  /** To the provider, the way named; `attacker`: this browser's trip stops at the callback. */
  async function begin(req: Request, res: Response, way: Way, attacker: boolean): Promise<void> {
    let config: openid.Configuration;
    try {
      config = await configuration();
    } catch {
      await render(req, res, 502, 'The local provider could not be reached. Is the app still starting? Try again in a moment.');
      return;
    }
    // prompt=login: the provider asks who you are each time, even though it
    // remembers the last login (the attacker's, in this one browser)
    const parameters: Record<string, string> = { redirect_uri: callbackUri(way), scope: 'openid email', prompt: 'login' };
    const data: LoginCsrfData = { ...read(req), attacker: attacker ? way : undefined, pending: undefined };
    if (way === 'right') {
      // the right way: a trip only this session can finish
      const pending = { state: openid.randomState(), nonce: openid.randomNonce(), codeVerifier: openid.randomPKCECodeVerifier() };
      Object.assign(parameters, {
        state: pending.state,
        nonce: pending.nonce,
        code_challenge: await openid.calculatePKCECodeChallenge(pending.codeVerifier),
        code_challenge_method: 'S256',
      });
      data.pending = pending;
    }
    // the wrong way: nothing of the trip is kept. Any code that comes back will do
    write(req, data);
    await saveSession(req);
    res.redirect(303, openid.buildAuthorizationUrl(config, parameters).href);
  }

  /** The code exchanged, and who it signs in: the wrong way with no checks, the right way with all three. */
  async function exchange(req: Request, way: Way, pending: LoginCsrfData['pending']): Promise<string> {
    const config = await configuration();
    const at = req.originalUrl.indexOf('?');
    const query = at === -1 ? '' : req.originalUrl.slice(at);
    const current = new URL(`${callbackUri(way)}${query}`);
    const tokens = pending
      ? await openid.authorizationCodeGrant(config, current, { expectedState: pending.state, expectedNonce: pending.nonce, pkceCodeVerifier: pending.codeVerifier, idTokenExpected: true })
      : await openid.authorizationCodeGrant(config, current);
    const claims = tokens.claims();
    if (!claims) throw new Error('no ID token');
    const about = await openid.fetchUserInfo(config, tokens.access_token, claims.sub);
    return typeof about.email === 'string' ? about.email : claims.sub;
  }

  const routes = Router();

  routes.get('/', async (req, res) => {
    await render(req, res);
  });

  for (const way of WAYS) {
    routes.post(`/${way}/attacker`, async (req, res) => {
      await begin(req, res, way, true);
    });
    routes.post(`/${way}/sign-in`, async (req, res) => {
      await begin(req, res, way, false);
    });

    routes.get(`/${way}/callback`, async (req, res) => {
      const data = read(req);
      if (data.attacker === way) {
        // the attacker stops here: this URL is the trap. The browser then
        // becomes the victim's: a new lab session, none of the attacker's
        const trap = req.originalUrl;
        await regenerateSession(req);
        await saveSession(req);
        res.render('oidc/lab-login-csrf-trap', { title: 'Login CSRF: the attacker\'s link', way, trap });
        return;
      }
      let pending: LoginCsrfData['pending'];
      if (way === 'right') {
        // the right way's check: a state this session holds, taken out and
        // saved first (used once)
        pending = data.pending;
        if (!pending || req.query.state !== pending.state) {
          await render(req, res, 400, 'Refused: this browser did not start that sign-in (its state is not in this session). Nobody was signed in.');
          return;
        }
        write(req, { ...data, pending: undefined });
        await saveSession(req);
      }
      let email: string;
      try {
        email = await exchange(req, way, pending);
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        await render(req, res, 400, `Refused by the checks: ${reason.slice(0, 160)}. Nobody was signed in.`);
        return;
      }
      // signed in, as a login does: a new session ID, saved before the redirect
      await regenerateSession(req);
      write(req, { signedInAs: { email, way } });
      await saveSession(req);
      res.redirect(303, PAGE);
    });
  }

  routes.post('/sign-out', async (req, res) => {
    await regenerateSession(req);
    await saveSession(req);
    res.redirect(303, PAGE);
  });

  return { path: LAB_LOGIN_CSRF_PATH, title: 'Login CSRF', summary: 'a provider\'s callback that does not check state signs you in to the attacker\'s account.', routes };
}
