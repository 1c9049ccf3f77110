// headers: what every response says about how a browser may treat it. A
// Content-Security-Policy with no inline script or style and nothing from
// another origin, HSTS where the site is HTTPS, a Referrer-Policy that keeps
// paths (and tokens in them) to this site, and a Permissions-Policy that
// refuses every browser feature but passkeys. One module, so that what the
// site allows is read in one place.
import type { RequestHandler } from 'express';
import helmet from 'helmet';
import type { Config } from '../config.js';

// browser features this site never uses, refused to its pages and to anything
// they might embed; and passkeys (WebAuthn), allowed to this site's own pages
// only, never to a frame from elsewhere
const PERMISSIONS_POLICY = [
  'accelerometer',
  'autoplay',
  'browsing-topics',
  'camera',
  'display-capture',
  'encrypted-media',
  'fullscreen',
  'geolocation',
  'gyroscope',
  'hid',
  'idle-detection',
  'magnetometer',
  'microphone',
  'midi',
  'payment',
  'picture-in-picture',
  'screen-wake-lock',
  'serial',
  'usb',
  'xr-spatial-tracking',
]
  .map((feature) => `${feature}=()`)
  .concat(['publickey-credentials-create=(self)', 'publickey-credentials-get=(self)'])
  .join(', ');

/**
 * The security headers, as middleware for every response. `formActions`:
 * other origins a form's answer may send the browser to (a feature's: the
 * sign-in provider's page, features/oidc), besides this site. Asked at each
 * response, since a feature may learn one after startup (a provider's
 * metadata); the headers are made again only when the list changes.
 */
export function securityHeaders(config: Pick<Config, 'isProduction'>, formActions: () => readonly string[] = () => []): RequestHandler[] {
  let origins = formActions();
  let headers = helmetFor(config, origins);
  // the origins the headers in use name (a list helmet refused is not among them)
  let inHeaders = origins;
  return [
    (req, res, next) => {
      const now = formActions();
      if (now.length !== origins.length || now.some((origin, i) => origin !== origins[i])) {
        origins = now;
        // a value helmet refuses leaves the headers as they were
        try {
          headers = helmetFor(config, now);
          inHeaders = now;
        } catch {
          // (the features check what they add: features/oidc/provider.ts)
        }
      }
      // for the views: where this page's forms may send the browser (a
      // provider's sign-in page learnt after the page was sent is not there)
      res.locals.formActionOrigins = inHeaders;
      headers(req, res, next);
    },
    // helmet does not set this one
    (_req, res, next) => {
      res.set('Permissions-Policy', PERMISSIONS_POLICY);
      next();
    },
  ];
}

function helmetFor(config: Pick<Config, 'isProduction'>, formActions: readonly string[]): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      directives: {
        // everything from this origin only; no inline script or style anywhere
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        // where a form may send the browser, its answer's redirects
        // included: Chromium stops a form whose 303 leads elsewhere
        formAction: ["'self'", ...formActions],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        // plain http://localhost in development must not be upgraded to https
        upgradeInsecureRequests: config.isProduction ? [] : null,
      },
    },
    // HSTS only where the site is served over HTTPS
    strictTransportSecurity: config.isProduction,
    // no Referer to other sites; and unlike "no-referrer", browsers still
    // send a real Origin on our own form posts (with "no-referrer" Chromium
    // sends "Origin: null", which the same-origin check must refuse)
    referrerPolicy: { policy: 'same-origin' },
  });
}
