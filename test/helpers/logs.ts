// logs: a logger that keeps its lines, so tests can read what was logged.
import { pino, type Logger } from 'pino';

export interface CapturedLogs {
  logger: Logger;
  lines: string[];
  events(): Record<string, unknown>[];
}

export function captureLogs(): CapturedLogs {
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
  return {
    logger,
    lines,
    events: () =>
      lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => typeof entry.event === 'string'),
  };
}

/** Waits until a condition holds (polling), for things that happen just after a response. */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}
