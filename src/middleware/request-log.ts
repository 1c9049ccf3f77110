// request log: one structured line per request (pino-http) with a request id,
// method, path, status and duration. Only those: no headers (cookies!), no
// query strings, no bodies (passwords, CSRF tokens).
//
// Outside production, the stylesheet, scripts and favicon are not logged: a
// page load is then one line, not five. Production logs every request.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from '../logger.js';

// a request id from a trusted proxy is kept, so one id follows the request
// through every hop; anything odd is replaced
const INCOMING_ID = /^[\w.:-]{1,64}$/;

// probes would drown everything else
const PROBES = new Set(['/healthz', '/readyz']);
// what a page load fetches besides the page (middleware/static-assets.ts)
const STATIC_FILE = /^\/(?:css|js)\/|^\/favicon\.ico$/;

export function requestLogger(logger: Logger, options: { isProduction: boolean }): RequestHandler {
  const silent = (path: string) => PROBES.has(path) || (!options.isProduction && STATIC_FILE.test(path));
  return pinoHttp({
    logger,
    genReqId(req: IncomingMessage, res: ServerResponse) {
      const incoming = req.headers['x-request-id'];
      const id = typeof incoming === 'string' && INCOMING_ID.test(incoming) ? incoming : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    autoLogging: { ignore: (req) => silent((req.url ?? '').split('?')[0] ?? '') },
    serializers: {
      req: (req: { id: unknown; method: string; url: string }) => ({
        id: req.id,
        method: req.method,
        path: req.url.split('?')[0],
      }),
      res: (res: { statusCode: number }) => ({ status: res.statusCode }),
    },
    customSuccessMessage: (req, res, ms) => `${req.method ?? ''} ${(req.url ?? '').split('?')[0]} ${res.statusCode} ${Math.round(ms)}ms`,
    customErrorMessage: (req, res) => `${req.method ?? ''} ${(req.url ?? '').split('?')[0]} ${res.statusCode} failed`,
  });
}
