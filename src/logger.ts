// logger: one pino logger for the whole process. JSON lines in production
// (for log collectors), readable lines in development.
import { pino, type Logger } from 'pino';
import type { Config } from './config.js';

export type { Logger };

export function createLogger(config: Pick<Config, 'logLevel' | 'env'>): Logger {
  return pino({
    level: config.logLevel,
    // never log what would let someone take over a session or an account
    redact: {
      paths: ['req.headers.cookie', 'res.headers["set-cookie"]', 'password', 'confirmPassword', '*.password'],
      censor: '[redacted]',
    },
    ...(config.env === 'development'
      ? { transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss', ignore: 'pid,hostname' } } }
      : {}),
  });
}
