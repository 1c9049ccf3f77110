// features: the list of what plugs into the core (src/feature.ts says how),
// and the ones FEATURES turns on. server.ts and the tests hand these to
// openAppServices(); nothing in the core imports this file.
//
// (mail, the third name FEATURES knows, is the mail pages: forgot password,
// the account's address, "This wasn't me". It is turned on and off with
// config.mail.enabled, as EMAIL=off does.)
import type { Config } from '../config.js';
import type { FeatureModule } from '../feature.js';
import { passkeysFeature } from './passkeys/index.js';
import { twoFactorFeature } from './two-factor/index.js';

/** Every feature, in the order they plug in. */
export const FEATURES: FeatureModule[] = [twoFactorFeature, passkeysFeature];

/** The features the configuration turns on (FEATURES; all by default). */
export function enabledFeatures(config: Pick<Config, 'features'>): FeatureModule[] {
  return FEATURES.filter((feature) => (config.features as readonly string[]).includes(feature.name));
}
