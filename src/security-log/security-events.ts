// security events: what a route calls when something happens to an account's
// security. The event is written to the account's log before the response
// (awaited: /account/activity shows it on the next page), and the owner is
// mailed about it if it is a change and the mail feature is on
// (features/mail/alerts.ts), after the response.
import type { Request, Response } from 'express';
import type { KnownBrowsers } from '../security/known-browser.js';
import { describeBrowser } from '../session/describe-browser.js';
import type { EventContext, SecurityEvent, SignInMethod } from './events.js';
import type { SecurityLog } from './store.js';

/** Who tells the owner about an event (the mail feature's alerts: features/mail/alerts.ts); none: the log alone. */
export interface SecurityAlerts {
  /**
   * Tells the owner about this event if it is one they must hear of. `to`:
   * another address than the confirmed one (the address just replaced or
   * removed is the one to tell).
   */
  send(userId: string, event: SecurityEvent, context: EventContext, at: Date, to?: string): void;
}

export interface SecurityEvents {
  /** Logs the event for this account, from this request's browser and address, and alerts the owner if it is a change. */
  record(req: Request, userId: string, event: SecurityEvent, options?: { mailTo?: string; browserKey?: string; alert?: boolean }): Promise<void>;
  /**
   * A sign-in just completed (the session is saved): the browser is marked
   * as known to this account (its own cookie, security/known-browser.ts), and
   * the sign-in is logged; the owner is mailed if the browser is new to it.
   */
  signedIn(req: Request, res: Response, userId: string, method: SignInMethod, options?: { alert?: boolean }): Promise<void>;
}

export function securityEvents(deps: { log: SecurityLog; alerts: SecurityAlerts | undefined; knownBrowsers: KnownBrowsers }): SecurityEvents {
  const record: SecurityEvents['record'] = async (req, userId, event, options = {}) => {
    // nothing ended, nothing happened: no line in the log, no mail
    if (event.type === 'sessions-ended' && event.count === 0) return;
    const context: EventContext = {
      ip: req.ip ?? 'unknown',
      browser: describeBrowser(req.get('user-agent') ?? ''),
      browserKey: options.browserKey ?? deps.knownBrowsers.browserKeyOf(req),
    };
    const at = new Date();
    await deps.log.record(userId, event, context, at);
    if (options.alert !== false) deps.alerts?.send(userId, event, context, at, options.mailTo);
  };
  return {
    record,
    async signedIn(req, res, userId, method, options = {}) {
      // the cookie may be new in this very response: its key comes from noteSignIn
      const { newBrowser, browserKey } = await deps.knownBrowsers.noteSignIn(req, res, userId);
      await record(req, userId, { type: 'signed-in', method, newBrowser }, { browserKey, alert: options.alert });
    },
  };
}
