// The production build of Cloakroom for the benchmark: the instrumented
// server (tools/instrumented-server.ts) running dist/, with what only the
// benchmark needs: the event-loop delay and memory, database commands per
// request (BENCH_COUNT_COMMANDS=1: command monitoring costs the driver time on
// every command, so the instances measured for speed go without), and an
// in-memory session store to compare with (BENCH_STORE=memory).
// Answers the benchmark's questions over IPC.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadServer, optionsFromEnv, startInstrumentedServer } from '../instrumented-server.js';

// the compiled code in dist/ runs; the sources in src/ give the types
const dist = new URL('../../dist/', import.meta.url);
const { createLogger } = (await import(new URL('logger.js', dist).href)) as typeof import('../../src/logger.js');
const server = await loadServer({ ...process.env, CLOAKROOM_BUILD: 'dist' });

// the core's variables and the features' (src/server.ts readConfig)
const config = server.readConfig();
const logger = createLogger(config);
let commands = 0;
// successful logins (POST /login answered 303), counted as they finish
let logins = 0;
const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();

const running = await startInstrumentedServer(server, config, logger, {
  ...optionsFromEnv(),
  ...(process.env.BENCH_COUNT_COMMANDS === '1'
    ? {
        onDatabaseCommand: () => {
          commands += 1;
        },
      }
    : {}),
});
running.server.on('request', (req, res) => {
  if (req.method === 'POST' && req.url === '/login') {
    res.once('finish', () => {
      if (res.statusCode === 303) logins += 1;
    });
  }
});
// the benchmark runs with LOG_LEVEL=warn (no request logs); it waits for this line
console.log(`listening on ${running.url} `);

process.on('message', (message: string) => {
  if (message === 'reset') {
    commands = 0;
    logins = 0;
    delay.reset();
    process.send?.({ ok: true });
  } else if (message === 'report') {
    (globalThis as { gc?: () => void }).gc?.();
    process.send?.({
      commands,
      logins,
      eventLoopDelayP99Ms: delay.percentile(99) / 1e6,
      rssBytes: process.memoryUsage().rss,
      heapUsedBytes: process.memoryUsage().heapUsed,
    });
  } else if (message === 'stop') {
    void running.close().then(() => process.exit(0));
  }
});
