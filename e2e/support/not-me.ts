// not me: a "This wasn't me" link made straight through the app's own store,
// for journeys that need its pages without a security alert first (the alert
// mails and their links are tested in e2e/alerts.spec.ts).
import { MongoClient } from 'mongodb';
import { NOT_ME_LINKS_COLLECTION, notMeLinks } from '../../src/features/mail/not-me-links.js';

/** A new link for the account with this username (on the suite's database): its path and query, /not-me?token=… */
export async function notMeLinkFor(username: string): Promise<string> {
  const uri = process.env.E2E_MONGODB_URI;
  if (!uri) throw new Error('E2E_MONGODB_URI is not set: run the browser tests with npx playwright test');
  const client = await MongoClient.connect(uri);
  try {
    const db = client.db();
    const users = db.collection('users');
    const user = await users.findOne({ usernameKey: username.toLowerCase() }, { projection: { _id: 1, emailKey: 1 } });
    if (!user) throw new Error(`no account ${username}`);
    // alerts go to a confirmed address only, and the link is bound to it: an account without one gets one, as if confirmed
    let mailedTo = typeof user.emailKey === 'string' ? user.emailKey : undefined;
    if (!mailedTo) {
      mailedTo = `${username.toLowerCase()}@example.test`;
      await users.updateOne({ _id: user._id }, { $set: { email: mailedTo, emailKey: mailedTo } });
    }
    const token = await notMeLinks(db.collection(NOT_ME_LINKS_COLLECTION)).create({ userId: String(user._id), mailedTo });
    return `/not-me?token=${token}`;
  } finally {
    await client.close();
  }
}
