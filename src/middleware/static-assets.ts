// static assets: the stylesheet (and any other folder pages link to), served
// before the session middleware so they never cost a session lookup.
import path from 'node:path';
import compression from 'compression';
import express, { Router } from 'express';
import { PUBLIC_DIR } from '../paths.js';

// the folders under public/ that pages link to. Only URLs under these reach
// the disk: express.static at the root would look up every page's URL as a
// file first (a stat call per request)
const ASSET_FOLDERS = ['css', 'js'];

export function staticAssets(options: { isProduction: boolean }): Router {
  const router = Router();
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
