// lab deps: what the lab's experiments are given (lab/index.ts passes it on to each),
// and their session stores made visible to the trace page where there is one.
import type { Router } from 'express';
import type { Store } from 'express-session';
import type { Config } from '../config.js';
import type { LabDatabase } from './lab-database.js';
import type { TraceRecorder } from './trace/recorder.js';
import { TracedStore } from './trace/traced-store.js';

export interface LabDeps {
  lab: LabDatabase;
  sessionConfig: Config['session'];
  /** the app's own session store, read for the header only */
  appSessionStore: Store;
  /** the trace page's recorder (lab/trace/); without it, no /lab/trace */
  trace?: TraceRecorder | undefined;
  /** the features' experiments (feature.ts Feature.labExperiment) */
  experiments?: readonly LabExperiment[];
}

/**
 * A lab experiment a feature brings (the lab is development only). Its pages
 * are mounted at /lab/<path>, behind the lab's own session (cookie Path=/lab,
 * documents in lab_sessions) and its CSRF check, never the app's session:
 * nothing done there can touch a real login.
 */
export interface LabExperiment {
  path: string;
  title: string;
  /** after the title on the lab's list: the mistake, in a few words */
  summary: string;
  routes: Router;
}

/**
 * A lab store whose calls the trace page shows, where there is a trace.
 * `storedId`: the ID the store keeps a session under (Cloakroom's store: a hash).
 */
export function tracedLabStore(deps: LabDeps, store: Store, storedId?: (sid: string) => string): Store {
  return deps.trace ? new TracedStore(store, deps.trace, 'lab', storedId) : store;
}
