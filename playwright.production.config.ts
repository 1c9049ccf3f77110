// Playwright, production: the built app with Compose's environment behind a
// real Caddy with the repository's Caddyfile, over https (e2e/production/stack.ts),
// driven by Debian's Chromium. npm run test:production; part of npm test.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { defineConfig } from '@playwright/test';
import { browser } from './playwright.config.js';

// chosen once, by the first process, and inherited by the workers
function freePort(): string {
  const script =
    "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})";
  return execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }).trim();
}
process.env.E2E_HTTPS_PORT ??= freePort();
process.env.E2E_PRODUCTION_STATE ??= path.join(os.tmpdir(), `cloakroom-production-${process.env.E2E_HTTPS_PORT}.json`);

export default defineConfig({
  testDir: './e2e/production',
  fullyParallel: true,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  workers: 2,
  timeout: 60_000,
  reporter: [['list'], ['html', { open: 'never', outputFolder: 'playwright-report-production' }]],
  outputDir: 'test-results/production',
  use: {
    baseURL: `https://localhost:${process.env.E2E_HTTPS_PORT}`,
    // Caddy's local CA, which this browser profile does not trust: the
    // connection is still https, so Secure and __Host- cookies behave as in production
    ignoreHTTPSErrors: true,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [{ name: 'production', use: browser }],
  webServer: {
    command: 'node --import tsx e2e/production/stack.ts',
    wait: { stdout: /production stack ready/ },
    reuseExistingServer: false,
    // the first run may build the FerretDB stand-in (1-3 minutes)
    timeout: 240_000,
    // the stack stops the proxy, the app and the database, and removes its folders
    gracefulShutdown: { signal: 'SIGTERM', timeout: 20_000 },
    // the app's request log; failures show in the test report
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
