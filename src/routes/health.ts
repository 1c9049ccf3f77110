// health: liveness (/healthz: the process serves requests) and readiness
// (/readyz: it can do its job: the database answers and it is not shutting
// down). Both are mounted before the session middleware: a load balancer
// polling them never creates, reads or writes a session.
import type { RequestHandler } from 'express';
import type { Logger } from '../logger.js';

export interface HealthChecks {
  /** Resolves when the database answers a ping. */
  pingDatabase(): Promise<void>;
  isShuttingDown(): boolean;
}

// a readiness probe must answer quickly, even when the database does not
export const PING_TIMEOUT_MS = 2000;

function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function healthChecks(
  checks: HealthChecks,
  options: {
    logger: Logger;
    /** Put the reason in the body too (development): in production it names hosts and ports, so only the log has it. */
    showReasons: boolean;
  },
) {

  const live: RequestHandler = (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'ok' });
  };

  const ready: RequestHandler = async (_req, res) => {
    res.set('Cache-Control', 'no-store');
    if (checks.isShuttingDown()) {
      res.status(503).json({ status: 'shutting-down', db: 'unknown' });
      return;
    }
    try {
      await withTimeout(checks.pingDatabase(), PING_TIMEOUT_MS);
      res.json({ status: 'ready', db: 'up' });
    } catch (err) {
      options.logger.warn({ err }, 'not ready: the database did not answer a ping');
      const reason = err instanceof Error ? err.message : String(err);
      res.status(503).json({ status: 'not-ready', db: 'down', ...(options.showReasons ? { reason } : {}) });
    }
  };

  return { live, ready };
}
