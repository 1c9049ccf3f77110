// server: the production process. Reads the config, connects to MongoDB (or
// starts the local database), builds the app, listens, and shuts down cleanly.
// The tests and the benchmark start the same process through
// tools/instrumented-server.ts, which adds what only they need.
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Store } from 'express-session';
import type { Connection } from 'mongoose';
import { createApp } from './app.js';
import { ConfigError, loadConfig, trustProxyWarning, type Config } from './config.js';
import { connectWithRetry, redactUri } from './db/connect.js';
import { startLocalDatabase, type LocalDatabase } from './db/local/index.js';
import { createHttpServer } from './http-server.js';
import { createLogger, type Logger } from './logger.js';
import { PROJECT_ROOT } from './paths.js';
import { appDeps, openAppServices } from './app-services.js';
import { startDemoCleanup } from './demo.js';
import { enabledFeatures, FEATURE_SETTINGS } from './features/index.js';
import { openAppMail } from './mail/app-mail.js';
import { startTracing } from './lab/trace/start-tracing.js';

export interface RunningServer {
  url: string;
  mongodbUri: string;
  server: http.Server;
  close(): Promise<void>;
}

export function readConfig(): Config {
  // a .env file is a convenience for local runs; real environment variables win
  const envFile = path.join(PROJECT_ROOT, '.env');
  if (existsSync(envFile)) process.loadEnvFile(envFile);
  // the core's variables, then those of each feature FEATURES turns on
  return loadConfig(process.env, FEATURE_SETTINGS);
}

function listen(server: http.Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/**
 * What tools/instrumented-server.ts adds for the tests and the benchmark (a
 * slowed or in-memory session store, a count of database commands). This
 * file's own process passes none.
 */
export interface Instrumentation {
  onDatabaseCommand?: (name: string) => void;
  wrapSessionStore?: (store: Store) => Store;
}

// see close(): a load balancer that asked /readyz this recently is still
// watching, and is given time to see it turn red
const DRAIN_IF_POLLED_WITHIN_MS = 15_000;
const DRAIN_MARGIN_MS = 300;

export async function startServer(config: Config, logger: Logger, instrumentation: Instrumentation = {}): Promise<RunningServer> {
  // development keeps accounts and caught mail across restarts (npm run dev
  // restarts on every save); tests get a fresh database and an empty inbox
  const dataDir = config.localDb.dataDir ?? (config.env === 'development' ? '.data' : undefined);
  let localDb: LocalDatabase | undefined;
  let uri = config.mongodbUri;
  if (uri === undefined) {
    localDb = await startLocalDatabase({ engine: config.localDb.engine, dataDir, logger });
    uri = localDb.uri();
  }

  let connection: Connection;
  try {
    connection = await connectWithRetry(uri, {
      serverSelectionTimeoutMs: config.db.serverSelectionTimeoutMs,
      responseTimeoutMs: config.db.responseTimeoutMs,
      deadlineMs: config.db.startupTimeoutMs,
      logger,
      onCommand: instrumentation.onDatabaseCommand,
      // the lab's trace page listens to every command, outside production only
      monitorCommands: !config.isProduction,
    });
  } catch (err) {
    await localDb?.stop();
    throw err;
  }

  // the features FEATURES turns on (features/index.ts), opened with the core's services
  const services = await openAppServices(connection, config, logger, enabledFeatures(config));
  // what the lab's trace page shows (lab/trace/): never in production
  const trace = config.isProduction ? undefined : startTracing(connection.getClient());
  const { users, store, userSessions, pingDatabase } = services;
  // mail: SMTP_URL, or a local catcher beside the local database (mail/app-mail.ts),
  // its inbox kept in the same folder in development
  const mailFolder = config.env === 'development' && dataDir !== undefined ? path.resolve(PROJECT_ROOT, dataDir, 'mail') : undefined;
  const mail = config.mail.enabled ? await openAppMail(config, logger, { folder: mailFolder }) : undefined;
  const demo = config.demo.enabled ? await startDemoCleanup({ users, userSessions, config, logger, features: services.features }) : undefined;
  if (config.session.usingDevSecret) {
    logger.warn('SESSION_SECRET is not set: using the development secret (production refuses to start without one)');
  }
  if (config.passwords.usingDevPepper) {
    logger.warn('PASSWORD_PEPPER is not set: using the development pepper (production refuses to start without one)');
  }

  const proxyWarning = trustProxyWarning(config);
  if (proxyWarning) logger.warn(proxyWarning);

  const sessionStore = instrumentation.wrapSessionStore ? instrumentation.wrapSessionStore(store) : store;
  let shuttingDown = false;
  // when /readyz was last asked, the time between the last two askings, and
  // what waits for the next one (see close())
  const probes = { lastAt: 0, gapMs: 0, next: undefined as (() => void) | undefined };
  const health = {
    pingDatabase,
    // routes/health.ts asks this once per /readyz request
    isShuttingDown: () => {
      const now = Date.now();
      probes.gapMs = now - probes.lastAt;
      probes.lastAt = now;
      if (shuttingDown) probes.next?.();
      return shuttingDown;
    },
  };
  const app = createApp(appDeps(services, { config, logger, health, mail: mail?.mail, sessionStore, trace }));
  // with the limits of http-server.ts: slow clients cannot hold connections
  const server = createHttpServer(app);
  // once shutting down, every response closes its connection: a proxy must
  // not send its next request on a keep-alive connection that this server is
  // about to close. A GET lost that way the proxy may send elsewhere; a POST
  // (a login) it cannot, and it answers 502.
  server.prependListener('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
    if (shuttingDown) res.setHeader('Connection', 'close');
  });
  const address = await listen(server, config.port, config.host);
  const shownHost = ['127.0.0.1', '0.0.0.0', '::', '::1'].includes(address.address) ? 'localhost' : address.address;
  const url = `http://${shownHost}:${address.port}`;
  const database = redactUri(uri);
  logger.info({ url, database }, `Cloakroom is listening on ${url} (database ${database})`);
  // which features FEATURES turned on (docs/layout.md#features)
  const features = config.features.length > 0 ? config.features.join(', ') : 'none: the core alone';
  logger.info(`Features: ${features}`);
  if (mail?.catcher) {
    logger.info(`Mail catcher: mail goes to ${mail.destination}; read it at ${url}/dev/mail`);
  } else if (mail) {
    logger.info(`Mail: sent through ${mail.destination}`);
  } else {
    logger.info(`Mail is off (${config.features.includes('mail') ? 'EMAIL=off' : 'FEATURES without mail'}): no forgot-password or email pages`);
  }

  let closing: Promise<void> | undefined;
  return {
    url,
    mongodbUri: uri,
    server,
    close() {
      closing ??= (async () => {
        // /readyz says 503 from now on, so a load balancer stops sending traffic
        shuttingDown = true;
        // ...but only from its next health check on: until then it still sends
        // requests here, and closing the listener now would turn them into
        // refused connections (retried elsewhere, with luck, or 502s). So while
        // something polls /readyz (Caddy's active health check, Compose's
        // healthcheck), keep serving until it has asked again and heard 503,
        // plus a moment for requests already on their way. At most twice the
        // polling interval seen, and half the grace period; nothing polling (a
        // terminal, a test): no wait.
        if (probes.lastAt > 0 && Date.now() - probes.lastAt < DRAIN_IF_POLLED_WITHIN_MS) {
          const limit = Math.min(2 * probes.gapMs, config.shutdownGraceMs / 2);
          await new Promise<void>((resolve) => {
            probes.next = resolve;
            setTimeout(resolve, limit).unref();
          });
          await new Promise((resolve) => setTimeout(resolve, DRAIN_MARGIN_MS));
        }
        // stop taking connections; requests already running finish first
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        // keep-alive connections that finish their request afterwards would
        // otherwise hold the server open until they time out
        const closeIdle = setInterval(() => server.closeIdleConnections(), 100);
        server.closeIdleConnections();
        await closed;
        clearInterval(closeIdle);
        await services.stop();
        // mail still being sent goes out first
        await mail?.close();
        demo?.stop();
        // the one MongoClient, shared by Mongoose, the session store and the throttle
        await connection.close();
        await localDb?.stop();
      })();
      return closing;
    },
  };
}

// signals closer together than this are one signal delivered twice
const SAME_SIGNAL_MS = 500;

/**
 * Runs a server as this process: started from the config, stopped cleanly by
 * SIGTERM or SIGINT, exiting on any bug nobody caught.
 */
export async function runProcess(start: (config: Config, logger: Logger) => Promise<RunningServer>): Promise<void> {
  let config: Config;
  try {
    config = readConfig();
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(1);
  }
  const logger = createLogger(config);

  // a bug nobody caught leaves the process in an unknown state: log it and
  // exit, and let the supervisor start a clean one
  const crash = (kind: string) => (err: unknown) => {
    logger.fatal({ err }, `${kind}: exiting`);
    setTimeout(() => process.exit(1), 100).unref();
  };
  process.on('uncaughtException', crash('uncaught exception'));
  process.on('unhandledRejection', crash('unhandled promise rejection'));

  let running: RunningServer;
  try {
    running = await start(config, logger);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      logger.fatal(
        `Port ${config.port} on ${config.host} is already in use: another Cloakroom, or another program, is listening there. Stop it, or choose another port, e.g. PORT=${config.port + 1} npm run dev (or PORT in .env).`,
      );
    } else {
      logger.fatal(err instanceof Error ? err.message : String(err));
    }
    // give pino a moment to flush before exiting
    setTimeout(() => process.exit(1), 100);
    return;
  }

  let firstSignalAt: number | undefined;
  const shutdown = (signal: NodeJS.Signals) => {
    if (firstSignalAt !== undefined) {
      // one Ctrl+C reaches this process twice under a watcher (npm run dev:
      // the terminal signals the whole process group, and tsx passes it on);
      // a second press comes later than that
      if (Date.now() - firstSignalAt < SAME_SIGNAL_MS) return;
      logger.warn(`${signal} again: exiting now`);
      process.exit(1);
    }
    firstSignalAt = Date.now();
    logger.info(`${signal} received: finishing requests in flight, then closing (press Ctrl+C again to force)`);
    const force = setTimeout(() => {
      logger.error(`still busy after ${config.shutdownGraceMs} ms: exiting anyway`);
      process.exit(1);
    }, config.shutdownGraceMs);
    force.unref();
    running.close().then(
      () => {
        logger.info('shut down cleanly');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'error while shutting down');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

// run only when started as a program, not when imported by a test
if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) {
  await runProcess((config, logger) => startServer(config, logger));
}
