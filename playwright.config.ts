// Playwright: starts Cloakroom on a free port with a fresh local database,
// then drives Debian's Chromium (or Playwright's own, where installed).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { defineConfig, devices } from '@playwright/test';
import { E2E_APP_ENV, LISTENING_LINE, localhostURL } from './e2e/support/env.js';

// Workers load this file too; they inherit the environment, so the port is
// chosen once, by the first process, and shared through E2E_PORT.
function freePort(): string {
  const script =
    "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})";
  return execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }).trim();
}
process.env.E2E_PORT ??= freePort();
const port = process.env.E2E_PORT;
const baseURL = `http://127.0.0.1:${port}`;
// the local OpenID provider's port, chosen the same way (e2e/oidc.spec.ts)
process.env.E2E_OIDC_PORT ??= freePort();
const oidcIssuer = `http://127.0.0.1:${process.env.E2E_OIDC_PORT}`;
const OIDC_CLIENT_SECRET = 'e2e-client-secret-used-only-by-the-browser-tests';

// Debian's chromium on our machines; CHROMIUM_PATH to point elsewhere;
// otherwise Playwright's own browser (npx playwright install chromium)
const executablePath = process.env.CHROMIUM_PATH ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);
const runningAsRoot = process.getuid?.() === 0;

export const browser = {
  ...devices['Desktop Chrome'],
  launchOptions: {
    ...(executablePath ? { executablePath } : {}),
    // Chromium's sandbox cannot run as root; elsewhere it stays on
    chromiumSandbox: !runningAsRoot,
    // no calls home for updates or field trials: there may be no network
    args: ['--disable-background-networking', '--disable-component-update'],
  },
};

export default defineConfig({
  testDir: './e2e',
  fullyParallel: true,
  forbidOnly: Boolean(process.env.CI),
  // a flaky journey is a bug to fix, not to retry
  retries: 0,
  workers: 2,
  timeout: 30_000,
  reporter: [['list'], ['html', { open: 'never', outputFolder: 'playwright-report' }]],
  outputDir: 'test-results',
  use: {
    baseURL,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    // e2e/production runs with its own config (playwright.production.config.ts)
    { name: 'chromium', use: browser, testIgnore: ['screenshots/**', 'production/**'] },
    // npm run screenshots: pictures of every page for the README
    { name: 'screenshots', use: browser, testMatch: 'screenshots/**/*.spec.ts' },
  ],
  webServer: [
    {
      // the local OpenID provider (tools/e2e-oidc-provider.ts), before the app that names it
      command: 'node --import tsx tools/e2e-oidc-provider.ts',
      wait: { stdout: /provider listening on/ },
      reuseExistingServer: false,
      timeout: 60_000,
      gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
      stdout: 'ignore',
      stderr: 'pipe',
      env: {
        OIDC_PROVIDER_PORT: process.env.E2E_OIDC_PORT,
        OIDC_CLIENT_SECRET,
        // where it sends the browser back: the app's PUBLIC_URL
        OIDC_REDIRECT_URI: `${localhostURL(baseURL)}/login/oidc/callback`,
      },
    },
    {
      command: 'node --import tsx src/server.ts',
      // ready once it listens; the database's URI is captured into
      // process.env.E2E_MONGODB_URI for tests that start more instances
      wait: { stdout: LISTENING_LINE },
      reuseExistingServer: false,
      // the first run may build the FerretDB stand-in (1-3 minutes)
      timeout: 240_000,
      // SIGTERM, not SIGKILL: the app stops its local database and removes its folder
      gracefulShutdown: { signal: 'SIGTERM', timeout: 15_000 },
      stdout: 'ignore',
      stderr: 'pipe',
      env: {
        ...E2E_APP_ENV,
        PORT: port,
        // links in mail, and passkeys, are made for PUBLIC_URL. Passkeys belong
        // to a domain name, never an IP address: journeys that need them browse
        // this same server at localhost (e2e/support/env.ts)
        PUBLIC_URL: localhostURL(baseURL),
        // a fresh, temporary database for every run (unless MONGODB_URI is set)
        LOCAL_DB_DIR: '',
        // sign-in with a provider: the local one above
        OIDC_ISSUER: oidcIssuer,
        OIDC_CLIENT_ID: 'cloakroom-local',
        OIDC_CLIENT_SECRET,
        OIDC_PROVIDER_NAME: 'Example ID',
      },
    },
  ],
});
