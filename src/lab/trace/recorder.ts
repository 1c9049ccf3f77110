// trace recorder: what each traced browser's requests did, kept in memory for
// the lab's trace page (/lab/trace). Development only: server.ts and the test
// helper make one when NODE_ENV is not production and hand it to createApp;
// in production there is none, so nothing here runs or costs anything.
//
// A request carries its record in an AsyncLocalStorage, so whatever it sets
// off (a session store call, a MongoDB command) finds the record it belongs
// to without being handed it. Memory is bounded twice over: the last
// MAX_REQUESTS requests per browser (a ring), and MAX_BROWSERS browsers (the
// one traced longest ago goes first).
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';

export const MAX_REQUESTS = 50;
export const MAX_BROWSERS = 200;
// a request's steps: a page does a dozen or so. Work a request leaves running
// (a timer started while it was served) keeps its context, so this bounds that too
export const MAX_EVENTS = 100;

/** One step of a request, `at` ms after it arrived; `ms` once it has finished. */
export type TraceEvent =
  | { kind: 'store'; op: 'get' | 'set' | 'touch' | 'destroy'; store: string; storedId: string; at: number; ms?: number; outcome?: string }
  | { kind: 'command'; name: string; collection?: string; filter?: unknown; update?: unknown; upsert?: boolean; at: number; ms?: number; outcome?: string }
  | { kind: 'response'; status: number; setCookie: string[]; at: number }
  | { kind: 'finish'; at: number }
  | { kind: 'closed'; at: number };

/** A step as begun: the recorder adds its time. */
type Timed<E> = E extends { kind: 'store' | 'command' } ? Omit<E, 'at' | 'ms' | 'outcome'> : never;

export interface TracedRequest {
  id: number;
  method: string;
  path: string;
  /** when it arrived (ISO 8601) */
  startedAt: string;
  /** the app's session cookie's ID, shortened as the inspector shows it; null: no session cookie */
  sessionId: string | null;
  status?: number;
  /** from arrival to 'finish' */
  durationMs?: number;
  /** the names of the cookies the response set, never their values */
  setCookie: string[];
  events: TraceEvent[];
  /** steps beyond MAX_EVENTS, counted and not kept */
  eventsDropped?: number;
}

/** A request being traced: the record, and the clock it is timed by. */
export class RequestTrace {
  readonly #start = performance.now();

  constructor(readonly record: TracedRequest) {}

  /** ms since the request arrived, to a tenth. */
  now(): number {
    return Math.round((performance.now() - this.#start) * 10) / 10;
  }

  /** Adds a step; call the function it returns when the step is done. */
  begin(event: Timed<TraceEvent>): (outcome?: string) => void {
    if (this.#full()) return () => undefined;
    const full = { ...event, at: this.now() } as TraceEvent & { ms?: number; outcome?: string };
    this.record.events.push(full);
    return (outcome) => {
      full.ms = Math.round((this.now() - full.at) * 10) / 10;
      if (outcome !== undefined) full.outcome = outcome;
    };
  }

  mark(event: TraceEvent): void {
    if (!this.#full()) this.record.events.push(event);
  }

  #full(): boolean {
    if (this.record.events.length < MAX_EVENTS) return false;
    this.record.eventsDropped = (this.record.eventsDropped ?? 0) + 1;
    return true;
  }
}

export interface TraceRecorder {
  /** A new browser to trace: its ID, for the trace cookie. */
  openBrowser(): string;
  isTraced(browserId: string): boolean;
  /** Starts a request's record, newest in the browser's ring. */
  beginRequest(browserId: string, request: Pick<TracedRequest, 'method' | 'path' | 'sessionId'>): RequestTrace;
  /** Runs `fn` (and all it sets off) as part of the request. */
  run<T>(trace: RequestTrace, fn: () => T): T;
  /** The request whose work is running now, if it is traced. */
  current(): RequestTrace | undefined;
  /** A browser's requests, oldest first. */
  requestsOf(browserId: string): TracedRequest[];
}

export function createTraceRecorder(limits: { maxRequests?: number; maxBrowsers?: number } = {}): TraceRecorder {
  const maxRequests = limits.maxRequests ?? MAX_REQUESTS;
  const maxBrowsers = limits.maxBrowsers ?? MAX_BROWSERS;
  const storage = new AsyncLocalStorage<RequestTrace>();
  // a Map keeps insertion order: the first key is the browser traced longest ago
  const browsers = new Map<string, TracedRequest[]>();
  let nextId = 1;

  const touch = (browserId: string, ring: TracedRequest[]) => {
    browsers.delete(browserId);
    browsers.set(browserId, ring);
  };

  return {
    openBrowser() {
      const browserId = randomBytes(18).toString('base64url');
      browsers.set(browserId, []);
      while (browsers.size > maxBrowsers) browsers.delete(browsers.keys().next().value as string);
      return browserId;
    },
    isTraced: (browserId) => browsers.has(browserId),
    beginRequest(browserId, request) {
      const ring = browsers.get(browserId) ?? [];
      touch(browserId, ring);
      const record: TracedRequest = { id: nextId++, ...request, startedAt: new Date().toISOString(), setCookie: [], events: [] };
      ring.push(record);
      if (ring.length > maxRequests) ring.splice(0, ring.length - maxRequests);
      return new RequestTrace(record);
    },
    run: (trace, fn) => storage.run(trace, fn),
    current: () => storage.getStore(),
    requestsOf: (browserId) => [...(browsers.get(browserId) ?? [])],
  };
}
