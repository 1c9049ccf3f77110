// config: the configuration as the app loads it (the core's variables and
// every feature's), a production environment to start from, and the problems
// a configuration is refused with.
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../src/config.js';
import { FEATURE_SETTINGS } from '../../src/features/index.js';

/** What production requires of the core, with mail off (features add their own). */
export const PRODUCTION_CONFIG_ENV = {
  NODE_ENV: 'production',
  MONGODB_URI: 'mongodb://db/cloakroom',
  SESSION_SECRET: 's'.repeat(40),
  PASSWORD_PEPPER: 'p'.repeat(40),
  PUBLIC_URL: 'https://cloakroom.example.com',
  EMAIL: 'off',
} as const;

/** The problems loadConfig refuses this environment with, the features' included; none if it starts. */
export function configProblems(env: Record<string, string>): string[] {
  try {
    loadConfig(env, FEATURE_SETTINGS);
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
}
