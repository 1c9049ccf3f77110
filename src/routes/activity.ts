// activity: the account's security log, newest first: every sign-in, wrong
// password or code, lockout and change to the account, with the browser and
// address it came from, so that the owner can spot what was not them.
import type { RequestHandler } from 'express';
import type { Config } from '../config.js';
import { describeDuration } from '../duration.js';
import { describeEvent } from '../security-log/describe.js';
import type { SecurityLog } from '../security-log/store.js';
import type { KnownBrowsers } from '../security/known-browser.js';

export function activityPage(deps: { securityLog: SecurityLog; securityLogConfig: Config['securityLog']; knownBrowsers: Pick<KnownBrowsers, 'browserKeyOf'> }) {
  const { securityLog, securityLogConfig } = deps;

  const show: RequestHandler = async (req, res) => {
    const events = await securityLog.list(req.session.userId ?? '');
    // the key its events were recorded with: the known-browser cookie's (security/known-browser.ts)
    const thisBrowser = deps.knownBrowsers.browserKeyOf(req);
    res.render('account-activity', {
      title: 'Account activity',
      kept: { duration: describeDuration(securityLogConfig.retentionMs), count: securityLogConfig.maxPerAccount },
      events: events.map((logged) => ({
        what: describeEvent(logged.event),
        at: logged.at,
        browser: logged.browser,
        ip: logged.ip,
        // only a key this browser really has: no key on either side marks nothing
        thisBrowser: thisBrowser !== undefined && logged.browserKey === thisBrowser,
      })),
    });
  };

  return { show };
}
