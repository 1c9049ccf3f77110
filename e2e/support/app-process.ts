// app process: another Cloakroom instance for a test, on the same database as
// the main one (scale-out, restarts, a deliberately slow session store: the
// instrumented server, tools/instrumented-server.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { waitForListening } from '../../tools/listening.js';
import { E2E_APP_ENV } from './env.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

export interface AppInstance {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function startInstance(
  options: { port?: number; env?: Record<string, string>; instrumented?: boolean } = {},
): Promise<AppInstance> {
  const mongodbUri = process.env.E2E_MONGODB_URI;
  if (!mongodbUri) throw new Error('E2E_MONGODB_URI is not set: run the browser tests with npx playwright test');
  const entry = options.instrumented ? 'tools/instrumented-server.ts' : 'src/server.ts';
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: ROOT,
    env: { ...process.env, ...E2E_APP_ENV, PORT: String(options.port ?? 0), MONGODB_URI: mongodbUri, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await waitForListening(child, 30_000);
  return {
    url,
    port: Number(new URL(url).port),
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
