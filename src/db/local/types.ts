export type EngineName = 'mongod' | 'ferretdb';

export interface RunningDatabase {
  engine: EngineName;
  // a human name for logs: "mongod 8.2.6", "FerretDB 1.24 (...)"
  description: string;
  // the server's URI without a database name, e.g. mongodb://127.0.0.1:40761/
  serverUri: string;
  port: number;
  dataDir: string;
  // the database server's process, when this process started it (the benchmark reads its CPU time)
  serverPid?: number;
  stop(): Promise<void>;
}

export class LocalDatabaseError extends Error {
  override name = 'LocalDatabaseError';
}

// what a newcomer can do when no local database can be had
export const WAYS_OUT = [
  'set MONGODB_URI to a MongoDB you can reach (e.g. mongodb://127.0.0.1:27017/cloakroom),',
  'or start one with Docker: docker compose up -d mongo, then MONGODB_URI=mongodb://127.0.0.1:27017/cloakroom,',
  'or install Go (https://go.dev/dl/) so the FerretDB stand-in can be built,',
  'or point MONGOMS_SYSTEM_BINARY at an installed mongod.',
].join('\n  ');
