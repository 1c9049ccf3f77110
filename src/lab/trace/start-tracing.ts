// start tracing: the recorder behind the lab's trace page, listening to the
// app's MongoDB client. server.ts and the tests call it outside production
// only, on a client made with monitorCommands: true, and hand the recorder to
// createApp. In production it is never called: no recorder, no listener.
import type { MongoClient } from 'mongodb';
import { traceDatabaseCommands } from './database-commands.js';
import { createTraceRecorder, type TraceRecorder } from './recorder.js';

export function startTracing(client: MongoClient): TraceRecorder {
  const recorder = createTraceRecorder();
  // for as long as the client lives: closing it ends its events
  traceDatabaseCommands(client, recorder);
  return recorder;
}
