// two-factor's settings: TWO_FACTOR_KEY, the key that seals the authenticator
// secrets at rest and keys the recovery codes' hashes (secret-box.ts,
// recovery-codes.ts). Read at startup beside the core's variables (config.ts),
// and only when FEATURES turns two-factor on.
import type { FeatureSettings } from '../../feature.js';
import { optionalString, readVariables } from '../../env-values.js';

export const DEV_TWO_FACTOR_KEY = 'dev-only-two-factor-key-never-use-in-production';

export interface TwoFactorSettings {
  key: string;
  /** no TWO_FACTOR_KEY: the development key (production refuses it) */
  usingDevKey: boolean;
}

const variables = { TWO_FACTOR_KEY: optionalString };

export const twoFactorSettings: FeatureSettings<TwoFactorSettings> = {
  variables: Object.keys(variables),
  read(env, core, problems) {
    const key = readVariables(variables, env, problems)?.TWO_FACTOR_KEY;
    if (core.isProduction) {
      if (key === undefined) {
        problems.push(
          'TWO_FACTOR_KEY is required when NODE_ENV=production (32+ random characters; keep it: changing it turns off every two-factor login and recovery code), or turn two-factor off with FEATURES',
        );
      } else if (key.length < 32 || key === DEV_TWO_FACTOR_KEY || key.startsWith('change-me')) {
        problems.push('TWO_FACTOR_KEY must be at least 32 random characters, not the example value');
      } else if (key === core.passwords.pepper) {
        problems.push('TWO_FACTOR_KEY must differ from PASSWORD_PEPPER (one leaked key must not give away both)');
      }
    }
    return { key: key ?? DEV_TWO_FACTOR_KEY, usingDevKey: key === undefined };
  },
};
