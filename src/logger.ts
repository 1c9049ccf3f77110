// logger: one pino logger for the whole process. JSON lines in production
// (for log collectors), readable lines in development.
import { pino, type Logger } from 'pino';
import type { Config } from './config.js';

export type { Logger };

/**
 * How pino-pretty shows a line in development: one line each, the message
 * first. A request is its message alone ("GET /dashboard 200 12ms"): its
 * req, res and duration fields say the same again. Any other line keeps its
 * fields, on the same line ("logged in {"event":"login","userId":…}").
 */
export const DEVELOPMENT_PRETTY_OPTIONS = {
  translateTime: 'HH:MM:ss',
  ignore: 'pid,hostname,req,res,responseTime',
  singleLine: true,
};

export function createLogger(config: Pick<Config, 'logLevel' | 'env'>): Logger {
  return pino({
    level: config.logLevel,
    // never log what would let someone take over a session or an account
    redact: {
      paths: ['req.headers.cookie', 'res.headers["set-cookie"]', 'password', 'confirmPassword', '*.password'],
      censor: '[redacted]',
    },
    ...(config.env === 'development' ? { transport: { target: 'pino-pretty', options: DEVELOPMENT_PRETTY_OPTIONS } } : {}),
  });
}
