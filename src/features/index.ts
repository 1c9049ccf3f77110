// features: the list of what plugs into the core (src/feature.ts says how),
// and the ones FEATURES turns on. server.ts and the tests hand these to
// openAppServices(); nothing in the core imports this file.
//
// (mail needs a mailer besides: EMAIL=off turns it off too, config.ts.)
import type { Config, SettingsSection } from '../config.js';
import type { FeatureModule } from '../feature.js';
import { mailFeature } from './mail/index.js';
import { oidcFeature } from './oidc/index.js';
import { passkeysFeature } from './passkeys/index.js';
import { twoFactorFeature } from './two-factor/index.js';

/** Every feature, in the order they plug in. */
export const FEATURES: FeatureModule[] = [twoFactorFeature, passkeysFeature, mailFeature, oidcFeature];

/** Each feature's own variables, for loadConfig (read for the features FEATURES turns on). */
export const FEATURE_SETTINGS: readonly SettingsSection[] = FEATURES.map((feature) => feature.settings);

/** The variables the features read, besides the core's (config.ts CONFIG_VARIABLES). */
export const FEATURE_VARIABLES: readonly string[] = FEATURE_SETTINGS.flatMap((section) => section.variables);

/** The features the configuration turns on (FEATURES; all by default). */
export function enabledFeatures(config: Pick<Config, 'features'>): FeatureModule[] {
  return FEATURES.filter((feature) => (config.features as readonly string[]).includes(feature.name));
}
