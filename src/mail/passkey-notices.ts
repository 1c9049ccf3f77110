// passkey notices: the mail that tells an account's confirmed address a
// passkey was added. A passkey signs in as both factors, and survives a
// password change or reset; whoever holds a session in its sudo window
// (a stolen cookie, a phishing proxy) can add one. The owner must hear of it.
import type { Logger } from '../logger.js';
import type { UserModel } from '../models/user.js';
import type { AppMail } from './app-mail.js';
import { passkeyAddedMail } from './messages.js';

export interface PasskeyNoticeDeps {
  users: UserModel;
  logger: Logger;
  /** undefined with EMAIL=off: nothing is sent */
  mail: AppMail | undefined;
  /** for the link in the mail (PUBLIC_URL, never the Host header) */
  publicUrl: string;
}

/** Tells the account's confirmed address, if it has one, that this passkey was added (sent in the background). */
export async function mailPasskeyAdded(deps: PasskeyNoticeDeps, userId: string, name: string): Promise<void> {
  if (!deps.mail) return;
  const user = await deps.users.findById(userId, { username: 1, email: 1 }).lean();
  if (!user?.email) return;
  deps.mail.outbox.send('passkey-added-notice', passkeyAddedMail({ to: user.email, username: user.username, name, passkeysUrl: `${deps.publicUrl}/account/passkeys` }));
  deps.logger.info({ event: 'passkey-added-notice', userId }, 'the account\'s address told of a new passkey');
}
