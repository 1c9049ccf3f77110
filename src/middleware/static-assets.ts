// static assets: the stylesheet (and any other folder pages link to), served
// before the session middleware so they never cost a session lookup.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import compression from 'compression';
import express, { Router } from 'express';
import { PUBLIC_DIR } from '../paths.js';

// the folders under public/ that pages link to. Only URLs under these reach
// the disk: express.static at the root would look up every page's URL as a
// file first (a stat call per request)
const ASSET_FOLDERS = ['css', 'js'];

// the browser half of passkeys, served from this site (the CSP allows no
// other): @simplewebauthn/browser's ES modules, straight from the installed
// package (a production dependency), so its version is always package.json's
const WEBAUTHN_BROWSER_DIR = path.dirname(fileURLToPath(import.meta.resolve('@simplewebauthn/browser')));
export const WEBAUTHN_BROWSER_URL = '/js/simplewebauthn-browser';

export function staticAssets(options: { isProduction: boolean }): Router {
  const router = Router();
  router.use(
    WEBAUTHN_BROWSER_URL,
    compression(),
    express.static(WEBAUTHN_BROWSER_DIR, { index: false, maxAge: options.isProduction ? '1h' : 0 }),
  );
  for (const folder of ASSET_FOLDERS) {
    router.use(
      `/${folder}`,
      // compressed: text assets shrink to a third. Pages are not compressed:
      // they carry a CSRF token next to text an attacker can influence, the
      // setting the BREACH attack needs
      compression(),
      express.static(path.join(PUBLIC_DIR, folder), {
        index: false,
        // revalidated with the ETag after an hour in production; always in development
        maxAge: options.isProduction ? '1h' : 0,
      }),
    );
  }
  return router;
}
