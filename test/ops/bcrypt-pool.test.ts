// The password-hashing threads: correct hashes, off the event loop and off
// libuv's shared pool, at a lower priority than the thread serving pages.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import bcrypt from 'bcrypt';
import { createBcryptPool } from '../../src/auth/bcrypt-pool.js';
import { HashingQueueFullError } from '../../src/auth/passwords.js';
import { eventLoopTurnsDuring } from '../helpers/event-loop.js';

const pool = createBcryptPool({ threads: 2 });
after(() => pool.close());

/** The nice value of each thread of this process (Linux). */
function threadNiceValues(): number[] {
  return readdirSync('/proc/self/task').map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    // fields after "(comm) ": state is field 3, nice is field 19
    return Number(stat.slice(stat.lastIndexOf(') ') + 2).split(' ')[16]);
  });
}

describe('the bcrypt pool', () => {
  it('makes hashes that bcrypt itself accepts, and checks bcrypt hashes', async () => {
    const hash = await pool.hash('a passphrase', 10);
    assert.match(hash, /^\$2b\$10\$/);
    assert.equal(await bcrypt.compare('a passphrase', hash), true);
    const theirs = await bcrypt.hash('another passphrase', 10);
    assert.equal(await pool.compare('another passphrase', theirs), true);
    assert.equal(await pool.compare('a wrong passphrase', theirs), false);
  });

  it('keeps the event loop free and leaves libuv’s thread pool to file reads', async () => {
    let readMs = 0;
    const turns = await eventLoopTurnsDuring(async () => {
      // more hashes than libuv has threads (4): on that pool a file read would wait for them
      const hashes = Array.from({ length: 6 }, (_, i) => pool.hash(`passphrase ${i}`, 12));
      const started = performance.now();
      await readFile(new URL(import.meta.url));
      readMs = performance.now() - started;
      await Promise.all(hashes);
    });
    assert.ok(turns > 10, `the event loop turned ${turns} times during the hashes`);
    const oneHashMs = await timeOneHash();
    assert.ok(readMs < oneHashMs, `a file read took ${readMs.toFixed(0)} ms while hashing (one hash: ${oneHashMs.toFixed(0)} ms)`);
  });

  it('hashes on threads with a raised nice value', { skip: process.platform !== 'linux' && 'reads /proc' }, async () => {
    const hashing = pool.hash('watch the threads', 12);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const during = threadNiceValues();
    await hashing;
    assert.ok(during.some((nice) => nice >= 10), `nice values while hashing: ${during.join(' ')}`);
    assert.equal(threadNiceValues()[0], 0, 'the main thread keeps its priority');
  });

  it('refuses at once when its queue is full, rather than making everyone wait', async () => {
    const small = createBcryptPool({ threads: 1, maxQueue: 2 });
    try {
      const started = performance.now();
      const refusedAfterMs: number[] = [];
      const outcomes = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) =>
          small.hash(`passphrase ${i}`, 10).catch((err: unknown) => {
            refusedAfterMs.push(performance.now() - started);
            throw err;
          }),
        ),
      );
      const hashed = outcomes.filter((outcome) => outcome.status === 'fulfilled');
      // one running and two waiting; the other seven are refused
      assert.equal(hashed.length, 3);
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') assert.ok(outcome.reason instanceof HashingQueueFullError, String(outcome.reason));
      }
      assert.ok(Math.max(...refusedAfterMs) < 50, `refused after ${Math.max(...refusedAfterMs).toFixed(0)} ms`);
      // and once the queue has drained, it hashes again
      assert.match(await small.hash('after the burst', 10), /^\$2b\$10\$/);
    } finally {
      await small.close();
    }
  });

  it('keeps its threads between logins', { skip: process.platform !== 'linux' && 'reads /proc' }, async () => {
    await pool.hash('a first login', 10);
    // starting a thread (and loading bcrypt in it) costs more than a hash
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.ok(threadNiceValues().some((nice) => nice >= 10), 'a hashing thread is still there');
  });
});

async function timeOneHash(): Promise<number> {
  const started = performance.now();
  await pool.hash('timing', 12);
  return performance.now() - started;
}
