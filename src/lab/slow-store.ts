// slow store: for the lab's redirect race, and for tests (through
// tools/instrumented-server.ts). Every save waits a while before it reaches
// the real store, the way a busy or distant database would, so that a handler
// which responds before its save has finished shows its bug. Nothing in the
// app itself uses it.
import type { Request } from 'express';
import session, { type Session, type SessionData, type Store } from 'express-session';

type Callback = (err?: unknown) => void;

export class SlowStore extends session.Store {
  constructor(
    private readonly inner: Store,
    private readonly delayMs: number,
    // called when a save has reached the real store (tests log it)
    private readonly onSaved: () => void = () => undefined,
  ) {
    super();
  }

  // the inner store makes the session objects it reads, so it knows them when they are saved
  override createSession(req: Request, data: SessionData): Session & SessionData {
    return this.inner.createSession(req, data);
  }

  override get(sid: string, cb: (err: unknown, session?: SessionData | null) => void): void {
    this.inner.get(sid, cb);
  }

  override set(sid: string, data: SessionData, cb?: Callback): void {
    setTimeout(() => {
      this.inner.set(sid, data, (err?: unknown) => {
        this.onSaved();
        cb?.(err);
      });
    }, this.delayMs);
  }

  override destroy(sid: string, cb?: Callback): void {
    this.inner.destroy(sid, cb);
  }
}
