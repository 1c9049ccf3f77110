// traced store: a session store that adds each of its calls (get, set, touch,
// destroy) to the traced request that made it, then passes it on unchanged.
// The session is shown by the ID its document is stored under (for the app's
// store the SHA-256 of the session ID: session/race-safe-store.ts), cut short.
import type { Request } from 'express';
import session, { type Session, type SessionData, type Store } from 'express-session';
import { shortened } from '../../session/inspector.js';
import type { TraceRecorder } from './recorder.js';

type Callback = (err?: unknown) => void;

export class TracedStore extends session.Store {
  constructor(
    private readonly inner: Store,
    private readonly recorder: TraceRecorder,
    // which store, on the trace page: "app", "lab"
    private readonly label: string,
    // the ID the store keeps a session under
    private readonly storedId: (sid: string) => string = (sid) => sid,
  ) {
    super();
    // express-session gives the store it is handed a generate() (making each
    // new session), and calls it on that store: it lives on the inner store,
    // as it would without the trace, where whoever holds that store finds it
    const holder = inner as { generate?: unknown };
    Object.defineProperty(this, 'generate', {
      get: () => holder.generate,
      set: (generate: unknown) => {
        holder.generate = generate;
      },
    });
    // a store without touch() stays without (the app's: session/library-workarounds.ts):
    // express-session touches only through a store that has one
    if (typeof inner.touch !== 'function') Object.defineProperty(this, 'touch', { value: undefined });
    // express-session waits while its store says it is disconnected
    inner.on('connect', () => this.emit('connect'));
    inner.on('disconnect', () => this.emit('disconnect'));
  }

  #begin(op: 'get' | 'set' | 'touch' | 'destroy', sid: string): (outcome?: string) => void {
    const trace = this.recorder.current();
    if (!trace) return () => undefined;
    return trace.begin({ kind: 'store', op, store: this.label, storedId: shortened(this.storedId(sid)) });
  }

  // the inner store makes the session objects it reads, so it knows them when they are saved
  override createSession(req: Request, data: SessionData): Session & SessionData {
    return this.inner.createSession(req, data);
  }

  override get(sid: string, cb: (err: unknown, session?: SessionData | null) => void): void {
    const done = this.#begin('get', sid);
    this.inner.get(sid, (err: unknown, found?: SessionData | null) => {
      done(err ? 'failed' : found ? 'found' : 'not found');
      cb(err, found);
    });
  }

  override set(sid: string, data: SessionData, cb?: Callback): void {
    const done = this.#begin('set', sid);
    this.inner.set(sid, data, (err?: unknown) => {
      done(err ? 'failed' : 'ok');
      cb?.(err);
    });
  }

  override touch(sid: string, data: SessionData, cb?: Callback): void {
    if (!this.inner.touch) throw new Error('the inner store has no touch()');
    const done = this.#begin('touch', sid);
    this.inner.touch(sid, data, (err?: unknown) => {
      done(err ? 'failed' : 'ok');
      cb?.(err);
    });
  }

  override destroy(sid: string, cb?: Callback): void {
    const done = this.#begin('destroy', sid);
    this.inner.destroy(sid, (err?: unknown) => {
      done(err ? 'failed' : 'ok');
      cb?.(err);
    });
  }
}
