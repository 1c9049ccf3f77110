// lab deps: what the lab's experiments are given (lab/index.ts passes it on to each).
import type { Store } from 'express-session';
import type { Config } from '../config.js';
import type { LabDatabase } from './lab-database.js';

export interface LabDeps {
  lab: LabDatabase;
  sessionConfig: Config['session'];
  /** the app's own session store, read for the header only */
  appSessionStore: Store;
}
