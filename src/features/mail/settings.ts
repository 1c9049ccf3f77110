// the mail feature's settings: how long its links work, and how much it may
// mail (OWASP Forgot Password cheat sheet: a limit, or anyone can flood a
// victim's inbox). Read at startup beside the core's variables (config.ts),
// when FEATURES turns mail on. Where mail goes (EMAIL, SMTP_URL, MAIL_FROM)
// is the core's: src/mail/ sends it.
import type { FeatureSettings } from '../../feature.js';
import { duration, intInRange, readVariables } from '../../env-values.js';

export interface MailSettings {
  passwordResetLifetimeMs: number;
  signInLinkLifetimeMs: number;
  verificationLifetimeMs: number;
  resetRequestsPerIpPerHour: number;
  resetMailsPerAccountPerHour: number;
  verificationMailsPerAccountPerHour: number;
  // the account page's mails to one address; registrations have their own
  // count (below), so that throwaway accounts cannot spend the owner's
  verificationMailsPerAddressPerHour: number;
  registrationMailsPerAddressPerHour: number;
}

const variables = {
  // at most 30 minutes (checked below): a reset link is a password for as long as it works
  PASSWORD_RESET_LINK_LIFETIME: duration('PASSWORD_RESET_LINK_LIFETIME', 1000, 86_400_000, '30m'),
  // at most 30 minutes too: a sign-in link is a password for as long as it works
  SIGN_IN_LINK_LIFETIME: duration('SIGN_IN_LINK_LIFETIME', 1000, 86_400_000, '15m'),
  EMAIL_VERIFICATION_LINK_LIFETIME: duration('EMAIL_VERIFICATION_LINK_LIFETIME', 1000, 7 * 86_400_000, '24h'),
  PASSWORD_RESET_REQUESTS_PER_IP_PER_HOUR: intInRange('PASSWORD_RESET_REQUESTS_PER_IP_PER_HOUR', 1, 1_000_000, 20),
  PASSWORD_RESET_MAILS_PER_ACCOUNT_PER_HOUR: intInRange('PASSWORD_RESET_MAILS_PER_ACCOUNT_PER_HOUR', 1, 1000, 3),
  EMAIL_VERIFICATION_MAILS_PER_ACCOUNT_PER_HOUR: intInRange('EMAIL_VERIFICATION_MAILS_PER_ACCOUNT_PER_HOUR', 1, 1000, 5),
  EMAIL_VERIFICATION_MAILS_PER_ADDRESS_PER_HOUR: intInRange('EMAIL_VERIFICATION_MAILS_PER_ADDRESS_PER_HOUR', 1, 1000, 3),
  EMAIL_VERIFICATION_MAILS_PER_ADDRESS_PER_HOUR_AT_REGISTRATION: intInRange('EMAIL_VERIFICATION_MAILS_PER_ADDRESS_PER_HOUR_AT_REGISTRATION', 1, 1000, 3),
};

export const mailSettings: FeatureSettings<MailSettings> = {
  variables: Object.keys(variables),
  read(env, _core, problems) {
    const e = readVariables(variables, env, problems) ?? readVariables(variables, {}, []);
    if (!e) throw new Error('the mail settings\' defaults do not parse');
    if (e.PASSWORD_RESET_LINK_LIFETIME > 30 * 60_000) {
      problems.push('PASSWORD_RESET_LINK_LIFETIME must be at most 30m: a reset link works like a password for as long as it lasts');
    }
    if (e.SIGN_IN_LINK_LIFETIME > 30 * 60_000) {
      problems.push('SIGN_IN_LINK_LIFETIME must be at most 30m: a sign-in link works like a password for as long as it lasts');
    }
    return {
      passwordResetLifetimeMs: e.PASSWORD_RESET_LINK_LIFETIME,
      signInLinkLifetimeMs: e.SIGN_IN_LINK_LIFETIME,
      verificationLifetimeMs: e.EMAIL_VERIFICATION_LINK_LIFETIME,
      resetRequestsPerIpPerHour: e.PASSWORD_RESET_REQUESTS_PER_IP_PER_HOUR,
      resetMailsPerAccountPerHour: e.PASSWORD_RESET_MAILS_PER_ACCOUNT_PER_HOUR,
      verificationMailsPerAccountPerHour: e.EMAIL_VERIFICATION_MAILS_PER_ACCOUNT_PER_HOUR,
      verificationMailsPerAddressPerHour: e.EMAIL_VERIFICATION_MAILS_PER_ADDRESS_PER_HOUR,
      registrationMailsPerAddressPerHour: e.EMAIL_VERIFICATION_MAILS_PER_ADDRESS_PER_HOUR_AT_REGISTRATION,
    };
  },
};
