// request log: one structured line per request with a request id, method,
// path, status and duration. Only those: no headers (cookies!), no query
// strings, no bodies (passwords, CSRF tokens).
//
// Outside production, the stylesheet, scripts and favicon are not logged: a
// page load is then one line, not five. Production logs every request.
//
// Written here rather than with pino-http: that one makes a child logger per
// request and runs the standard request and response serializers (every
// header, copied) only for this file to throw them away, about a seventh of
// a dashboard view's CPU. This is one log call when the response is over,
// and nothing at all when the level leaves request lines out. The
// authentication events are logged where they happen, not from here.
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
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
  return (req, res, next) => {
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && INCOMING_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('X-Request-Id', id);
    const url = req.url;
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    if (silent(path) || !logger.isLevelEnabled('info')) {
      next();
      return;
    }
    const method = req.method;
    const start = performance.now();
    // 'close' comes once, after the response has been sent or when the
    // connection went before it was
    res.once('close', () => {
      const status = res.statusCode;
      const responseTime = Math.round(performance.now() - start);
      const message = status >= 500 ? `${method} ${path} ${status} failed` : `${method} ${path} ${status} ${responseTime}ms`;
      logger.info({ req: { id, method, path }, res: { status }, responseTime }, message);
    });
    next();
  };
}
