// feature: what a feature may do to the core, and all it may.
//
// The core is the lesson: register, log in, the dashboard, log out, the
// sessions page, sudo mode, the security log. A feature (src/features/:
// two-factor, passkeys, mail) plugs into it from outside. The core never
// imports one (npm run lint and test/ops/layering.test.ts keep it so):
// server.ts picks the features FEATURES names and hands them to
// openAppServices(), and the core calls them only through the hooks below.
// With none, the core journey works on its own and no page links to a feature.
//
//   mount             its pages, in the route table, behind the core's guards
//   loginFields,      a step after a right password at login (a code to type),
//   afterPassword     with the account's fields it needs read with the password
//   sudoFactor        a factor sudo mode asks for besides the password
//   credentials       its credentials that sign in on their own (passkeys),
//                     listed and removed from the "This wasn't me" page
//   waysIn,           what signs in to an account besides the password
//   passwordUnknown   (passkeys, a provider's links), and whether the
//                     account's password is one its owner never knew (a
//                     provider made the account): the core's one count of
//                     the ways in (auth/ways-in.ts), so the last is never
//                     removed, and the password form sets a first password
//   onAccountDeleted  what it stores about an account goes with the account
//   onSessionEnded    what a session asked for goes with it (signed out from
//                     "Your sessions": the mail feature's address change)
//   clearedWithSessions, onSessionsRevoked
//                     the same when every session of the account ends: its
//                     fields cleared in the revocation's own update, then told
//   redactSession     its secrets in the session, cut short for the inspector
//   accountLinks      where its settings are, for the header and the dashboard
//   alerts            telling the owner about a security event (mail)
//   linkPages         pages a mailed link opens, logged in or not (mail)
//   addressAtRegistration  an address typed at registration (mail)
//   formActions       other sites its forms send the browser to (a provider)
//
// And two things the core does for a feature: a first factor besides the
// password (a provider's sign-in: oidc) ends the login the way a right
// password does, the other features' steps included (CoreDeps.finishLogin);
// and a feature's proof for sudo mode goes through sudo mode's one door,
// which asks for what else the account has (CoreDeps.confirmSudo).
//
// And its own settings (defineFeature below): its variables, read and checked
// at startup beside the core's, before anything opens (config.ts).
import type { Request, RequestHandler, Response, Router } from 'express';
import type { Db } from 'mongodb';
import type { Connection } from 'mongoose';
import type { OpenAttempt } from './checks/checked-attempt.js';
import type { SudoFactor } from './checks/sudo-factor.js';
import type { SudoProof } from './checks/reauthenticate.js';
import type { PasswordHasher } from './auth/passwords.js';
import type { Config, SettingsSection } from './config.js';
import type { LabExperiment } from './lab/lab-deps.js';
import type { Logger } from './logger.js';
import type { AppMail } from './mail/app-mail.js';
import type { UserModel } from './models/user.js';
import type { WaysIn } from './auth/ways-in.js';
import type { EndedBy, SignInMethod } from './security-log/events.js';
import type { SecurityAlerts, SecurityEvents } from './security-log/security-events.js';
import type { KnownBrowsers } from './security/known-browser.js';
import type { LoginThrottle } from './security/throttle.js';
import type { UserSessions } from './session/user-sessions.js';

/** What a feature is given once per process, to open what it stores. */
export interface FeatureServices {
  config: Config;
  connection: Connection;
  db: Db;
  users: UserModel;
  logger: Logger;
}

/** What a feature's pages and hooks are given by each app (createApp). */
export interface CoreDeps {
  users: UserModel;
  passwords: PasswordHasher;
  throttle: LoginThrottle;
  userSessions: UserSessions;
  sessionConfig: Config['session'];
  logger: Logger;
  /** the account's security log and the owner's alert mails */
  events: SecurityEvents;
  isProduction: boolean;
  /** mail to the account's confirmed address; undefined with EMAIL=off */
  mail: AppMail | undefined;
  publicUrl: string;
  /** browsers that have signed in to an account before (security/known-browser.ts) */
  knownBrowsers: KnownBrowsers;
  /** a feature's credentials that sign in on their own (passkeys), if one is on */
  credentials: SignInCredentials | undefined;
  /** the ways into an account, every feature's counted (auth/ways-in.ts): every removal asks it */
  waysIn: WaysIn;
  /** whether sudo mode asks this account for a factor besides the first (two-factor's code) */
  asksForSecondFactor(userId: string): Promise<boolean>;
  /**
   * Every session of the account was revoked (userSessions.endOthers or
   * endAll): tells the features which of their fields went with them.
   */
  sessionsRevoked: (req: Request, userId: string, cleared: readonly string[], by: EndedBy) => Promise<void>;
  /**
   * A first factor besides the password was right (an OpenID provider
   * said who it is, a mailed sign-in link was used): the login ends as after a right password, through
   * routes/login.ts: a feature's step first (two-factor's code, which then
   * has responded), or signIn (new session ID, saved before the redirect),
   * the security log's 'signed-in' and the 303 to `next`. 'gone': no such
   * account, nothing was sent.
   */
  finishLogin(req: Request, res: Response, userId: string, login: FirstFactor): Promise<'finished' | 'gone'>;
  /**
   * The feature proved who the user is, for sudo mode: through the one door
   * (checks/reauthenticate.ts), which starts it (a passkey: both factors),
   * or asks for the code next where the account has one (a provider's fresh
   * login: the first factor). It responds: a 303 to `next`, or to the
   * confirm page for the code. The feature never starts sudo mode itself.
   */
  confirmSudo(req: Request, res: Response, proof: SudoProof): Promise<void>;
  /** sudo mode's confirm page, with what went wrong (routes/confirm.ts) */
  renderConfirmPage(req: Request, res: Response, next: string, errors: Record<string, string | undefined>): Promise<void>;
}

/** A first factor found right, for CoreDeps.finishLogin. */
export interface FirstFactor {
  /** counted before the check (checks/checked-attempt.ts); finishLogin settles it */
  attempt: OpenAttempt;
  next: string;
  rememberMe: boolean;
  method: SignInMethod;
  /**
   * When the person last proved who they are with this factor (ms since the
   * epoch), when that was not just now: a provider that answered from its
   * own session says when its user logged in there (auth_time), and 0 when
   * it does not say. Sudo mode counts from it (session/recent-auth.ts)
   */
  provedAt?: number;
}

/** The core's guards, for a feature's rows of the route table (routes/index.ts says what each does). */
export interface RouteGuards {
  noStore: RequestHandler;
  requireLogin: RequestHandler;
  anonymousSessions: RequestHandler;
  recentAuth: RequestHandler;
}

/** A login whose password was just found right, before the session starts. */
export interface PasswordChecked {
  req: Request;
  res: Response;
  account: { id: string; username: string; sessionGeneration: number };
  /** the fields the feature named in loginFields, as stored on the account */
  stored: Record<string, unknown>;
  /** the attempt counted for this login (checks/checked-attempt.ts) */
  attempt: OpenAttempt;
  next: string;
  rememberMe: boolean;
  /** the first factor: 'password', or a feature's (a provider: CoreDeps.finishLogin) */
  method: SignInMethod;
  /**
   * When that first factor was proved, if not just now (FirstFactor.provedAt):
   * a step that signs in later (two-factor's code) starts sudo mode from it,
   * never from its own step
   */
  provedAt?: number;
}

// a lab experiment's shape lives with the lab
export type { LabExperiment } from './lab/lab-deps.js';

// a factor for sudo mode, and a feature's proof: their types live with sudo mode's one door (checks/)
export type { SudoProof } from './checks/reauthenticate.js';
export type { FactorAttempt, FactorStep, SudoFactor } from './checks/sudo-factor.js';
export { FACTOR_LIMIT_REASON } from './checks/sudo-factor.js';

/** Credentials that sign in on their own, besides the password (passkeys). */
export interface SignInCredentials {
  count(userId: string): Promise<number>;
  /** for the "This wasn't me" review page, which can remove them */
  list(userId: string): Promise<{ id: string; name: string; addedAt: Date; lastUsedAt?: Date }[]>;
  /** never the last way in: 'last-method' then */
  remove(userId: string, id: string): Promise<'not-found' | 'last-method' | { removed: string }>;
}

export type { WaysIn } from './auth/ways-in.js';

/** A link to a feature's settings. */
export interface FeatureLink {
  href: string;
  /** in the header; none: on the dashboard only */
  label?: string;
  /** on the dashboard's list, after the link */
  description: string;
}

/** What a feature plugs into one app. */
export interface AttachedFeature {
  mount?(pages: Router, guards: RouteGuards): void;
  /** the account's fields afterPassword reads, read with the password (no extra read) */
  loginFields?: string[];
  /**
   * Called after a right password, before the session starts. It may take
   * over the response (a code to type first: 'responded'), or let the login
   * finish (undefined).
   */
  afterPassword?(checked: PasswordChecked): Promise<'responded' | undefined>;
  sudoFactor?: SudoFactor;
  /** tells the owner about the account's security events (security-log/security-events.ts) */
  alerts?: SecurityAlerts;
  /**
   * Another of the user's sessions was signed out from "Your sessions" (req
   * is the request that did it; `handle` names the ended session): what that
   * session asked for and has not finished ends too.
   */
  onSessionEnded?: (req: Request, userId: string, handle: string) => Promise<void>;
  /** its fields in `cleared` (clearedWithSessions) went with every session of the account, for the reason `by` */
  onSessionsRevoked?: (req: Request, userId: string, cleared: readonly string[], by: EndedBy) => Promise<void>;
  /** an address typed at registration: the registration form shows the field when a feature takes it */
  addressAtRegistration?: (userId: string, username: string, address: string) => Promise<{ sent: boolean }>;
}

/** A feature, opened once per process (its collections, indexes and timers). */
export interface Feature {
  name: string;
  attach(core: CoreDeps): AttachedFeature;
  credentials?: SignInCredentials;
  /** how many ways into the account it holds, besides the password (its passkeys, its provider links) */
  waysIn?(userId: string): Promise<number>;
  /**
   * true: the account's password is one its owner never knew (a random one a
   * provider's first sign-in gave it). Not a way in, and the password form
   * then sets one, in sudo mode, without asking for it (routes/account.ts)
   */
  passwordUnknown?(userId: string): Promise<boolean>;
  onAccountDeleted?(userId: string): Promise<void>;
  /**
   * The account's fields that a session may have asked for, cleared when
   * every session of the account is revoked, in the same update as the
   * revocation (session/revocation.ts): nothing a thief's session started
   * outlives it.
   */
  clearedWithSessions?: string[];
  /** shortens or withholds its own secrets in a copy of the session document's data */
  redactSession?(session: Record<string, unknown>, shorten: (value: unknown) => unknown): void;
  accountLinks?: FeatureLink[];
  /** pages a mailed link opens: they work logged in or not, and an ended session starts afresh there */
  linkPages?: string[];
  /**
   * origins its forms' answers send the browser to (a sign-in provider's
   * page): added to the Content-Security-Policy's form-action, which
   * otherwise stops any form whose redirect leaves this site. Asked at each
   * response: a provider's sign-in page is known for sure once its metadata is
   */
  formActions?(): readonly string[];
  /** app.locals for its views (e.g. the origin passkeys work on) */
  viewLocals?: Record<string, unknown>;
  /** an experiment of its own in the lab (development only: lab/index.ts) */
  labExperiment?: LabExperiment;
  /** its form fields' maxlength, added to the core's (auth/forms.ts FIELD_LIMITS) */
  fieldLimits?: Record<string, number>;
  stop?(): Promise<void> | void;
}

/** How a feature is opened: the list in features/index.ts holds these (made by defineFeature). */
export interface FeatureModule {
  name: string;
  /** its own variables, handed to loadConfig by server.ts */
  settings: SettingsSection;
  open(services: FeatureServices): Promise<Feature>;
}

/** A feature's own settings: the variables it reads, and how. */
export interface FeatureSettings<S> {
  variables: readonly string[];
  /** its settings from the environment; a problem names the variable and what to do */
  read(env: NodeJS.ProcessEnv, core: Config, problems: string[]): S;
}

/**
 * A feature from its name, its settings and how it opens: open() is handed
 * what settings.read() returned for the configuration it is opened with.
 */
export function defineFeature<S>(feature: {
  name: string;
  settings: FeatureSettings<S>;
  open(services: FeatureServices, settings: S): Promise<Feature>;
}): FeatureModule {
  const { name, settings } = feature;
  return {
    name,
    settings: { name, variables: settings.variables, read: (env, core, problems) => settings.read(env, core, problems) },
    async open(services) {
      if (!(name in services.config.settings)) {
        throw new Error(`the configuration was loaded without the ${name} feature's settings: pass the features' settings to loadConfig (features/index.ts FEATURE_SETTINGS)`);
      }
      // loadConfig put here what this feature's own read() returned
      return await feature.open(services, services.config.settings[name] as S);
    },
  };
}
