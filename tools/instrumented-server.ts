// instrumented server: Cloakroom's server process (src/server.ts) with what
// only the tests and the benchmark add. It lives outside src/, so it is not
// in the production build (tsconfig.build.json compiles src/ only, and the
// image holds dist/): production has no way to slow its session store down.
//
//   SESSION_STORE_DELAY_MS=n  every session save waits n ms, so that a handler
//                             that responds before its save shows its bug
//                             (test/ops/server-process.test.ts, e2e/ordering.spec.ts);
//                             refused when NODE_ENV=production
//   BENCH_STORE=memory        express-session's MemoryStore instead of MongoDB, to compare
//   CLOAKROOM_BUILD=dist      runs the compiled server in dist/ (the benchmark and
//                             the process tests) instead of the sources
//
// Run it as a program (node --import tsx tools/instrumented-server.ts), or
// import startInstrumentedServer() to add more (tools/bench/app-server.ts).
import path from 'node:path';
import session from 'express-session';
import { SlowStore } from '../src/lab/slow-store.js';
import type { Config } from '../src/config.js';
import type { Logger } from '../src/logger.js';
import type { RunningServer } from '../src/server.js';

type ServerModule = typeof import('../src/server.js');

export interface InstrumentedOptions {
  /** Every session save waits this long (0: not slowed). */
  storeDelayMs: number;
  /** express-session's MemoryStore instead of MongoDB. */
  memoryStore: boolean;
  /** Called for every command sent to MongoDB. */
  onDatabaseCommand?: (name: string) => void;
}

export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): InstrumentedOptions {
  const delay = env.SESSION_STORE_DELAY_MS ?? '0';
  if (!/^\d+$/.test(delay) || Number(delay) > 10_000) throw new Error('SESSION_STORE_DELAY_MS must be a whole number of milliseconds, 0 to 10000');
  return { storeDelayMs: Number(delay), memoryStore: env.BENCH_STORE === 'memory' };
}

/** src/server.ts, or its compiled dist/server.js with CLOAKROOM_BUILD=dist. */
export async function loadServer(env: NodeJS.ProcessEnv = process.env): Promise<ServerModule> {
  const build = env.CLOAKROOM_BUILD === 'dist' ? '../dist/' : '../src/';
  return (await import(new URL(`${build}server.js`, import.meta.url).href)) as ServerModule;
}

export function startInstrumentedServer(
  server: ServerModule,
  config: Config,
  logger: Logger,
  options: InstrumentedOptions,
): Promise<RunningServer> {
  if (options.storeDelayMs > 0 && config.isProduction) {
    throw new Error('SESSION_STORE_DELAY_MS slows every login down on purpose, for tests; it is refused when NODE_ENV=production');
  }
  if (options.storeDelayMs > 0) logger.warn(`SESSION_STORE_DELAY_MS: every session save waits ${options.storeDelayMs} ms (for tests)`);
  return server.startServer(config, logger, {
    onDatabaseCommand: options.onDatabaseCommand,
    wrapSessionStore: (store) => {
      if (options.memoryStore) return new session.MemoryStore();
      return options.storeDelayMs > 0 ? new SlowStore(store, options.storeDelayMs) : store;
    },
  });
}

// started as a program: the same process as src/server.ts, instrumented
if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) {
  const server = await loadServer();
  const options = optionsFromEnv();
  await server.runProcess((config, logger) => startInstrumentedServer(server, config, logger, options));
}
