// database commands: every command the app sends to MongoDB, added to the
// traced request that caused it, through the driver's command monitoring
// (the client must be made with monitorCommands: true). Only the command's
// name, collection, timing and the shape of its filter and update are kept,
// with every value redacted: never a document, never a value.
import type { CommandFailedEvent, CommandStartedEvent, CommandSucceededEvent, Document, MongoClient } from 'mongodb';
import { redactValues } from './redact-values.js';
import type { TraceRecorder } from './recorder.js';

// far more commands than run at once
const MAX_RUNNING = 1000;

/** The first statement of an update's or a delete's list (the app sends one at a time). */
function first(list: unknown): Document | undefined {
  return Array.isArray(list) ? (list[0] as Document | undefined) : undefined;
}

/** The filter and update of a command, where it has them (an insert has neither: only documents). */
function filterAndUpdate(command: Document): { filter?: unknown; update?: unknown; upsert?: boolean } {
  switch (Object.keys(command)[0]) {
    case 'find':
    case 'count':
    case 'distinct':
      return { filter: command.filter ?? command.query };
    case 'findAndModify':
      return { filter: command.query, update: command.update, upsert: command.upsert === true };
    case 'update':
      // connect-mongo saves with an upsert: an update that inserts when nothing matches
    {
      const statement = first(command.updates);
      return { filter: statement?.q, update: statement?.u, upsert: statement?.upsert === true };
    }
    case 'delete':
      return { filter: first(command.deletes)?.q };
    case 'aggregate':
      return { filter: first(command.pipeline)?.$match };
    default:
      return {};
  }
}

/** Starts listening; returns the function that stops it. */
export function traceDatabaseCommands(client: MongoClient, recorder: TraceRecorder): () => void {
  // a command's end, by the driver's request ID: its events need not run in
  // the request's async context, the start's does
  const running = new Map<number, (outcome?: string) => void>();
  const started = (event: CommandStartedEvent) => {
    const trace = recorder.current();
    if (!trace) return;
    const target = event.command[event.commandName] as unknown;
    const { filter, update, upsert } = filterAndUpdate(event.command);
    // a command whose end never came (a connection lost) is forgotten in time
    if (running.size >= MAX_RUNNING) running.delete(running.keys().next().value as number);
    running.set(
      event.requestId,
      trace.begin({
        kind: 'command',
        name: event.commandName,
        ...(typeof target === 'string' ? { collection: target } : {}),
        ...(filter === undefined ? {} : { filter: redactValues(filter) }),
        ...(update === undefined ? {} : { update: redactValues(update) }),
        ...(upsert === true ? { upsert } : {}),
      }),
    );
  };
  const ended = (outcome: string) => (event: CommandSucceededEvent | CommandFailedEvent) => {
    running.get(event.requestId)?.(outcome);
    running.delete(event.requestId);
  };
  const succeeded = ended('ok');
  const failed = ended('failed');
  client.on('commandStarted', started);
  client.on('commandSucceeded', succeeded);
  client.on('commandFailed', failed);
  return () => {
    client.off('commandStarted', started);
    client.off('commandSucceeded', succeeded);
    client.off('commandFailed', failed);
    running.clear();
  };
}
