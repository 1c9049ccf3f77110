// trace requests: the middleware that records a traced browser's requests,
// mounted first in createApp (development only). It starts the request's
// record, runs the rest of the app inside it (so store calls and database
// commands find it), and notes when the status line and headers go out
// (with the names of the cookies set) and when the response has finished.
//
// Those two moments differ: express-session sends the headers of a response
// whose session changed, then saves the session, and holds back the end of
// the body until the save is done. A browser follows a redirect as soon as it
// has the headers: that is the lab's redirect race.
import type { RequestHandler, Response } from 'express';
import type { Config } from '../../config.js';
import { sessionIdInCookie } from '../../session/cookie-id.js';
import { shortened } from '../../session/inspector.js';
import type { RequestTrace, TraceRecorder } from './recorder.js';
import { traceIdInCookie } from './trace-cookie.js';

// the trace page and its polling would fill the trace with themselves; static
// files touch no session
const NOT_TRACED = /^\/(lab\/trace(\.json)?\/?$|css\/|js\/|favicon)/;

function cookieNames(res: Response): string[] {
  const header = res.getHeader('set-cookie');
  const all = Array.isArray(header) ? header : header === undefined ? [] : [String(header)];
  return all.map((cookie) => cookie.slice(0, Math.max(0, cookie.indexOf('='))));
}

function noteHeaders(res: Response, trace: RequestTrace): void {
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => Response;
  let noted = false;
  res.writeHead = function (...args: unknown[]) {
    if (!noted) {
      noted = true;
      const status = typeof args[0] === 'number' ? args[0] : res.statusCode;
      const setCookie = cookieNames(res);
      trace.record.status = status;
      trace.record.setCookie = setCookie;
      trace.mark({ kind: 'response', status, setCookie, at: trace.now() });
    }
    return writeHead(...args);
  } as Response['writeHead'];
}

export function traceRequests(recorder: TraceRecorder, sessionConfig: Pick<Config['session'], 'cookieName' | 'secrets'>): RequestHandler {
  return (req, res, next) => {
    const browserId = traceIdInCookie(req);
    if (browserId === undefined || !recorder.isTraced(browserId) || NOT_TRACED.test(req.path)) {
      next();
      return;
    }
    const sessionId = sessionIdInCookie(req, sessionConfig);
    const trace = recorder.beginRequest(browserId, {
      method: req.method,
      path: req.path,
      sessionId: sessionId === undefined ? null : shortened(sessionId),
    });
    noteHeaders(res, trace);
    res.once('finish', () => {
      // one reading of the clock: the record's duration is the finish's time
      const at = trace.now();
      trace.mark({ kind: 'finish', at });
      trace.record.status = res.statusCode;
      trace.record.durationMs = at;
    });
    res.once('close', () => {
      if (res.writableFinished) return;
      const at = trace.now();
      trace.mark({ kind: 'closed', at });
      trace.record.durationMs = at;
    });
    recorder.run(trace, next);
  };
}
