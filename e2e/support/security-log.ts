// security log: events put straight into an account's log, through the
// app's own store, for journeys that need a page with events on it (which
// events a sign-in or a change records is tested with those journeys).
import { MongoClient } from 'mongodb';
import type { EventContext, SecurityEvent } from '../../src/security-log/events.js';
import { createSecurityLog, SECURITY_EVENTS_COLLECTION } from '../../src/security-log/store.js';

export interface SeededEvent {
  event: SecurityEvent;
  context: EventContext;
  at?: Date;
}

/** Records the events, in order, for the account with this username (on the suite's database). */
export async function seedSecurityLog(username: string, events: SeededEvent[]): Promise<void> {
  const uri = process.env.E2E_MONGODB_URI;
  if (!uri) throw new Error('E2E_MONGODB_URI is not set: run the browser tests with npx playwright test');
  const client = await MongoClient.connect(uri);
  try {
    const db = client.db();
    const user = await db.collection('users').findOne({ usernameKey: username.toLowerCase() }, { projection: { _id: 1 } });
    if (!user) throw new Error(`no account ${username}`);
    // the app's own cap; the test adds far fewer
    const log = createSecurityLog(db.collection(SECURITY_EVENTS_COLLECTION), { maxPerAccount: 200 });
    for (const { event, context, at } of events) await log.record(String(user._id), event, context, at);
  } finally {
    await client.close();
  }
}

/** A few events of every shape the page shows, with the longest strings they may carry. */
export function varietyOfEvents(): SeededEvent[] {
  const phone: EventContext = { ip: '2001:db8:85a3:1234:5678:8a2e:370:7334', browser: 'Mobile Safari 18 on iOS', browserKey: undefined };
  const laptop: EventContext = { ip: '203.0.113.7', browser: 'Chrome 156 on Linux', browserKey: undefined };
  const longName = 'The-laptop-on-the-kitchen-table-by-the-window-with-a-long-name-x';
  return [
    { event: { type: 'signed-in', method: 'password', newBrowser: true }, context: laptop },
    { event: { type: 'sign-in-failed', method: 'password' }, context: phone },
    { event: { type: 'locked-out', method: 'code' }, context: phone },
    { event: { type: 'passkey-added', name: longName }, context: laptop },
    { event: { type: 'sessions-ended', by: 'password-reset', count: 2 }, context: laptop },
    { event: { type: 'recovery-code-used', left: 7 }, context: phone },
  ];
}
