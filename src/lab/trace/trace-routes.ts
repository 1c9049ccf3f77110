// trace routes: the lab's trace page (/lab/trace), which marks its browser for
// tracing, and the JSON it polls (/lab/trace.json): that browser's last
// requests and nobody else's. lab/index.ts mounts them where a recorder was
// given, which is never in production.
import type { RequestHandler } from 'express';
import { MAX_REQUESTS, type TraceRecorder } from './recorder.js';
import { setTraceCookie, traceIdInCookie } from './trace-cookie.js';

// how often the page asks for news
export const POLL_MS = 1500;

export function tracePage(recorder: TraceRecorder, secureCookie: boolean): RequestHandler {
  return (req, res) => {
    const known = traceIdInCookie(req);
    if (known === undefined || !recorder.isTraced(known)) setTraceCookie(res, recorder.openBrowser(), secureCookie);
    res.render('lab/trace', { title: 'Watch your session work', maxRequests: MAX_REQUESTS, pollMs: POLL_MS });
  };
}

export function traceData(recorder: TraceRecorder): RequestHandler {
  return (req, res) => {
    const browserId = traceIdInCookie(req);
    const traced = browserId !== undefined && recorder.isTraced(browserId);
    res.set('Cache-Control', 'no-store');
    res.json({ traced, requests: traced ? recorder.requestsOf(browserId) : [] });
  };
}
