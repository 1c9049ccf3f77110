// lab session data: the fields the lab's own sessions hold.
import 'express-session';

declare module 'express-session' {
  interface SessionData {
    // the redirect race: a name given at the lab's pretend login
    labVisitor: string;
    // lost updates: this lab session's key in lab_counters, and its own counter
    labId: string;
    labHits: number;
  }
}
