// Lesson zero (examples/lesson-zero.ts) for the benchmark: the same
// libraries in about 240 lines, on the benchmark's database (MONGODB_URI), so
// that the app's logged-in view can be read against lesson zero's dashboard
// measured in the same rounds.
import mongoose from 'mongoose';
import { createLessonZero } from '../../examples/lesson-zero.js';

const uri = process.env.MONGODB_URI;
if (!uri) throw new Error('MONGODB_URI is required');
const connection = await mongoose.createConnection(uri).asPromise();
const app = await createLessonZero({ connection, sessionSecret: process.env.SESSION_SECRET ?? 'lesson zero: not a secret' });
const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') console.log(`listening on http://127.0.0.1:${address.port} `);
});
process.once('SIGTERM', () => {
  server.close();
  void connection.close().then(() => process.exit(0));
});
