// state: what the production stack (stack.ts) tells the tests, through a JSON
// file whose path both get from E2E_PRODUCTION_STATE.
import { readFileSync } from 'node:fs';

export interface ProductionStackState {
  /** https://localhost:<port>: Caddy, in front of the app */
  httpsUrl: string;
  /** http://127.0.0.1:<port>: the app itself, as only the proxy should reach it */
  appUrl: string;
  /** the stack's process: SIGUSR1 stops its database, SIGUSR2 starts it again */
  stackPid: number;
  /** the mail the app sent, newest first, as JSON (the stack's mail catcher) */
  mailUrl: string;
  /** https://127.0.0.1:<port>: the demo provider's issuer (tools/demo-oidc-provider.ts), Compose's profile demo-provider */
  providerUrl: string;
}

/** The demo provider's name on the app's button (OIDC_PROVIDER_NAME, as .env would set it). */
export const DEMO_PROVIDER_NAME = 'Demo ID';

/** Settings added to Compose's for the tests: a lockout reachable in a few attempts. */
export const PRODUCTION_TEST_LIMITS = {
  LOGIN_MAX_CONSECUTIVE_FAILURES: '3',
  LOGIN_LOCKOUT: '1m',
  // every browser of the suite comes from 127.0.0.1, as the proxy reports it
  LOGIN_MAX_FAILURES_PER_IP_PER_DAY: '100000',
  REGISTRATIONS_PER_IP_PER_HOUR: '100000',
} as const;

export function stackState(): ProductionStackState {
  const file = process.env.E2E_PRODUCTION_STATE;
  if (!file) throw new Error('E2E_PRODUCTION_STATE is not set: run these tests with npm run test:production');
  return JSON.parse(readFileSync(file, 'utf8')) as ProductionStackState;
}
