// same origin: defence in depth behind the CSRF token. Browsers say where a
// request comes from (Origin, Sec-Fetch-Site); a state-changing request that
// says "another site" is refused even before the token is checked.
import type { RequestHandler } from 'express';
import { isSafeMethod } from '../safe-methods.js';
import type { Logger } from '../logger.js';

/** A state-changing request that says it comes from another site: refused with a 403 page of its own. */
export class CrossSiteRequestError extends Error {
  constructor() {
    super('a state-changing request from another site');
    this.name = 'CrossSiteRequestError';
  }
}

export function requireSameOrigin(logger: Logger): RequestHandler {
  return (req, _res, next) => {
    if (isSafeMethod(req.method)) {
      next();
      return;
    }
    const origin = req.get('origin');
    const site = req.get('sec-fetch-site');
    // behind a TLS proxy req.protocol is right only with TRUST_PROXY set
    const expected = `${req.protocol}://${req.get('host') ?? ''}`;
    if (site === 'cross-site' || (origin !== undefined && origin !== expected)) {
      logger.warn(
        { event: 'cross-origin-rejected', origin, expected, secFetchSite: site },
        origin?.startsWith('https:') && expected.startsWith('http:')
          ? 'cross-origin request refused (behind a TLS proxy? set TRUST_PROXY)'
          : 'cross-origin request refused',
      );
      next(new CrossSiteRequestError());
      return;
    }
    next();
  };
}
