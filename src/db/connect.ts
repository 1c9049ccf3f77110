// connect: one Mongoose connection, whose MongoClient the session store and
// the login throttle share, so the process holds a single connection pool.
import mongoose, { type Connection } from 'mongoose';
import type { Logger } from '../logger.js';

export interface ConnectOptions {
  serverSelectionTimeoutMs: number;
  /** How long to wait for a reachable server to answer, or a connection to open or come free. */
  responseTimeoutMs: number;
  /** Called for every command sent to MongoDB (command monitoring, for measurements). */
  onCommand?: ((name: string) => void) | undefined;
  /** Command monitoring on, for listeners added later (the lab's trace page, development only). */
  monitorCommands?: boolean | undefined;
}

export async function connectDatabase(uri: string, options: ConnectOptions): Promise<Connection> {
  const connection = mongoose.createConnection(uri, {
    // a request waits at most this long for an unreachable database, then
    // fails (503): no hanging pages, and the driver reconnects by itself
    serverSelectionTimeoutMS: options.serverSelectionTimeoutMs,
    // A database that is reachable but does not answer (a frozen process, a
    // network that drops packets, a stalled disk) is not "unreachable": the
    // driver still selects it, and by default waits for its answer forever
    // (socketTimeoutMS 0) and 30 s for a new connection, so pages hung for
    // half a minute or more. These three bound every step of every
    // operation, the session store's and the throttle's included (they share
    // this client): waiting for a free connection, opening one, and the
    // answer. A read or write the driver retries once can take twice as long.
    // Why not the driver's own `timeoutMS`: the driver in use (mongodb 7)
    // ignores it ("has no effect"). Why not a deadline per request: it would
    // answer 503 while the handler carries on, and could still log the user
    // in after telling them it failed.
    socketTimeoutMS: options.responseTimeoutMs,
    connectTimeoutMS: options.responseTimeoutMs,
    waitQueueTimeoutMS: options.responseTimeoutMs,
    // no queueing in Mongoose while disconnected: the driver's timeout above applies
    bufferCommands: false,
    // indexes are built once, deliberately, before the server listens
    autoIndex: false,
    autoCreate: false,
    // turns {"$ne": null} style filters into harmless literals, a second line
    // of defence behind input validation (query selector injection)
    sanitizeFilter: true,
    monitorCommands: options.onCommand !== undefined || options.monitorCommands === true,
  });
  const onCommand = options.onCommand;
  if (onCommand) connection.getClient().on('commandStarted', (event) => onCommand(event.commandName));
  try {
    await connection.asPromise();
  } catch (err) {
    await connection.close().catch(() => undefined);
    throw err;
  }
  return connection;
}

/**
 * At startup the database may not be up yet (containers start together), so
 * keep trying with growing pauses, saying so each time, and give up after
 * `deadlineMs`: the process then exits non-zero and its supervisor (Docker's
 * restart policy, systemd, Kubernetes) decides what happens next.
 */
export async function connectWithRetry(
  uri: string,
  options: ConnectOptions & { deadlineMs: number; logger: Logger },
): Promise<Connection> {
  const started = Date.now();
  for (let attempt = 1; ; attempt += 1) {
    try {
      const connection = await connectDatabase(uri, options);
      if (attempt > 1) options.logger.info(`Connected to MongoDB on attempt ${attempt}`);
      return connection;
    } catch (err) {
      const elapsed = Date.now() - started;
      const pause = Math.min(1000 * 2 ** (attempt - 1), 10_000);
      if (elapsed + pause >= options.deadlineMs) {
        throw new Error(describeConnectError(uri, err, attempt), { cause: err });
      }
      options.logger.warn(
        `MongoDB at ${redactUri(uri)} is not reachable (attempt ${attempt}, ${Math.round(elapsed / 1000)} s): ${errorMessage(err)}; trying again in ${pause / 1000} s (giving up after ${Math.round(options.deadlineMs / 1000)} s)`,
      );
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The URI with any user name and password masked, for logs and messages. */
export function redactUri(uri: string): string {
  return uri.replace(/\/\/[^@/]*@/, '//***@');
}

/** Explains a connection failure in terms a newcomer can act on. */
export function describeConnectError(uri: string, err: unknown, attempts = 1): string {
  return `Cannot reach MongoDB at ${redactUri(uri)} (${attempts} attempt${attempts === 1 ? '' : 's'}): ${errorMessage(err)}\nCheck that the server is running and MONGODB_URI is right, or unset MONGODB_URI (outside production) to use the local database.`;
}

// what the driver throws when it cannot reach the server, loses it, or
// gives up waiting for it (see responseTimeoutMs above)
const UNAVAILABLE_ERRORS = new Set([
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoWaitQueueTimeoutError',
  // the driver's own operation timeout (`timeoutMS`), should it be used again
  'MongoOperationTimeoutError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoPoolClearedError',
  'MongoClientClosedError',
]);

/** Whether an error means "the database is unreachable right now" (a 503), not a bug (a 500). */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (UNAVAILABLE_ERRORS.has(e.name)) return true;
  }
  return false;
}
