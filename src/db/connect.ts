// connect: one Mongoose connection, whose MongoClient the session store
// shares, so the process holds a single connection pool to MongoDB.
import mongoose, { type Connection } from 'mongoose';

export interface ConnectOptions {
  serverSelectionTimeoutMs: number;
}

export async function connectDatabase(uri: string, options: ConnectOptions): Promise<Connection> {
  const connection = mongoose.createConnection(uri, {
    // fail in a few seconds with a clear error instead of the driver's 30 s default
    serverSelectionTimeoutMS: options.serverSelectionTimeoutMs,
    // indexes are built once, deliberately, before the server listens (see syncIndexes)
    autoIndex: false,
    autoCreate: false,
    // turns {"$ne": null} style filters into harmless literals, a second line
    // of defence behind input validation (query selector injection)
    sanitizeFilter: true,
  });
  await connection.asPromise();
  return connection;
}

/** The URI with any user name and password masked, for logs and messages. */
export function redactUri(uri: string): string {
  return uri.replace(/\/\/[^@/]*@/, '//***@');
}

/** Explains a connection failure in terms a newcomer can act on. */
export function describeConnectError(uri: string, err: unknown): string {
  const reason = err instanceof Error ? err.message : String(err);
  // never print credentials that may be in the URI
  const safeUri = redactUri(uri);
  return `Cannot reach MongoDB at ${safeUri}: ${reason}\nCheck that the server is running and MONGODB_URI is right, or unset MONGODB_URI (outside production) to use the local database.`;
}
