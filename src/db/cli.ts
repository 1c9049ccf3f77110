// npm run db: the local database in the foreground, for people and scripts
// that want to point other tools (mongosh, Compass, a second app) at it.
import { ConfigError, loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { startLocalDatabase } from './local/index.js';

try {
  const config = loadConfig();
  const logger = createLogger(config);
  const db = await startLocalDatabase({
    engine: config.localDb.engine,
    dataDir: config.localDb.dataDir ?? '.data',
    logger,
  });
  // the one line on stdout meant for machines: eval "$(npm run -s db | head -1)" style use
  console.log(`MONGODB_URI=${db.uri()}`);
  logger.info('Press Ctrl+C to stop');
  const stop = () => {
    db.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err instanceof Error ? err.message : err);
  process.exit(1);
}
