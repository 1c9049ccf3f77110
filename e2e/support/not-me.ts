// not me: a "This wasn't me" link made straight through the app's own store,
// for journeys that need its pages without a security alert first (the alert
// mails and their links are tested in e2e/alerts.spec.ts).
import { MongoClient } from 'mongodb';
import { NOT_ME_LINKS_COLLECTION, notMeLinks } from '../../src/auth/not-me-links.js';

/** A new link for the account with this username (on the suite's database): its path and query, /not-me?token=… */
export async function notMeLinkFor(username: string): Promise<string> {
  const uri = process.env.E2E_MONGODB_URI;
  if (!uri) throw new Error('E2E_MONGODB_URI is not set: run the browser tests with npx playwright test');
  const client = await MongoClient.connect(uri);
  try {
    const db = client.db();
    const user = await db.collection('users').findOne({ usernameKey: username.toLowerCase() }, { projection: { _id: 1 } });
    if (!user) throw new Error(`no account ${username}`);
    const token = await notMeLinks(db.collection(NOT_ME_LINKS_COLLECTION)).create(String(user._id));
    return `/not-me?token=${token}`;
  } finally {
    await client.close();
  }
}
