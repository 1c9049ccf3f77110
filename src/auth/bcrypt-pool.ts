// bcrypt-pool: password hashing on threads of its own, at a lower priority
// than the thread that serves pages.
//
// A bcrypt hash at cost 12 is a quarter of a second of CPU on purpose. On
// libuv's shared thread pool (where bcrypt's async API runs it) a burst of
// logins takes every core and the pool's four threads: pages wait for CPU,
// and file reads and DNS lookups queue behind the hashes. Here the hashes run
// on one thread per core with a raised nice value, so the operating system
// gives the event loop (and the database) the CPU first and the hashes get
// everything left over: logins use the idle CPU, pages stay fast.
import os from 'node:os';
import { Piscina } from 'piscina';
import { HashingQueueFullError, type BcryptFunctions } from './passwords.js';
import type { BcryptTask } from './bcrypt-worker.js';

// nice 10: the event loop wins about 9 of 10 time slices it competes for
// (Linux weights 1024 vs 110), yet logins still progress on a busy machine
const NICE_INCREMENT = 10;

// hashes waiting for a thread, per thread. A full queue is refused at once
// (a 503 page) rather than joined: at cost 12 (about a quarter of a second
// per hash) the last in line waits about two seconds. Unbounded, a burst of
// guesses made every login behind it wait many seconds.
export const QUEUED_HASHES_PER_THREAD = 8;

export interface BcryptPool extends BcryptFunctions {
  /** Stops the threads (after the tasks already running). */
  close(): Promise<void>;
}

export function createBcryptPool(options: { threads?: number; maxQueue?: number } = {}): BcryptPool {
  // one per core: bcrypt keeps a core busy, more threads would only queue for it
  const threads = options.threads ?? os.availableParallelism();
  const maxQueue = options.maxQueue ?? threads * QUEUED_HASHES_PER_THREAD;
  const pool = new Piscina<BcryptTask, string | boolean>({
    filename: new URL(import.meta.url.endsWith('.ts') ? './bcrypt-worker.ts' : './bcrypt-worker.js', import.meta.url).href,
    // threads start with the first login, not when the app is built, and
    // stay a minute after the last (starting one costs more than a hash)
    minThreads: 0,
    maxThreads: threads,
    idleTimeout: 60_000,
    niceIncrement: process.platform === 'win32' ? 0 : NICE_INCREMENT,
    maxQueue,
  });
  const run = (task: BcryptTask) => {
    // the same limit piscina enforces, checked here so that a full queue is an
    // error this app recognizes (piscina's is a plain Error)
    if (pool.queueSize >= maxQueue) return Promise.reject(new HashingQueueFullError());
    return pool.run(task);
  };
  return {
    hash: async (data, cost) => (await run({ op: 'hash', data, cost })) as string,
    compare: async (data, encrypted) => (await run({ op: 'compare', data, encrypted })) as boolean,
    close: () => pool.close(),
  };
}
