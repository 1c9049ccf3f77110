// bcrypt-worker: runs in the password-hashing threads (see bcrypt-pool.ts).
// The synchronous calls are right here: this thread exists to do exactly this
// work, and bcrypt's async calls would hand it back to libuv's shared pool.
import bcrypt from 'bcrypt';

export type BcryptTask = { op: 'hash'; data: string; cost: number } | { op: 'compare'; data: string; encrypted: string };

export default function run(task: BcryptTask): string | boolean {
  return task.op === 'hash' ? bcrypt.hashSync(task.data, task.cost) : bcrypt.compareSync(task.data, task.encrypted);
}
