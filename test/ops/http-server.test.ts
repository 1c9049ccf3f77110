// The HTTP server's limits (ASVS V15.2.2): a client that sends its request
// slowly (slow loris) is cut off close to the limit, not up to 30 s later
// when Node happens to check. Built with short limits to keep the test quick.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type http from 'node:http';
import { createHttpServer } from '../../src/http-server.js';

const LIMITS = { headersTimeoutMs: 1000, requestTimeoutMs: 2000, keepAliveTimeoutMs: 5000 };
// Node's own check came every 30 s; this one must come within about a second
const SLACK_MS = 1500;

let server: http.Server;
let port: number;

before(async () => {
  server = createHttpServer((req, res) => {
    // reads the whole body before answering, as the form parser does
    req.resume();
    req.on('end', () => res.end('ok'));
  }, LIMITS);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/**
 * Opens a connection, sends `start`, then one byte every 100 ms until the
 * server closes it. Resolves with what the server sent and when it closed.
 */
function trickle(start: string): Promise<{ response: string; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1');
    let response = '';
    let drip: NodeJS.Timeout | undefined;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (response += chunk));
    socket.on('connect', () => {
      socket.write(start);
      drip = setInterval(() => {
        if (socket.writable) socket.write('a');
      }, 100);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(drip);
      resolve({ response, closedAfterMs: Date.now() - started });
    });
    // far past the limits: the server did not cut it off
    setTimeout(() => {
      clearInterval(drip);
      socket.destroy();
      reject(new Error('the server kept a trickling connection open for 15 s'));
    }, 15_000).unref();
  });
}

describe('the HTTP server', () => {
  it('cuts off a request whose body trickles in, close to requestTimeout', async () => {
    const { response, closedAfterMs } = await trickle(
      'POST /login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n',
    );
    assert.ok(response === '' || response.startsWith('HTTP/1.1 408'), `408 or closed, not ${JSON.stringify(response.slice(0, 40))}`);
    assert.ok(closedAfterMs >= LIMITS.requestTimeoutMs - 100, `not before the limit (${closedAfterMs} ms)`);
    assert.ok(closedAfterMs < LIMITS.requestTimeoutMs + SLACK_MS, `closed after ${closedAfterMs} ms`);
  });

  it('cuts off headers that trickle in, close to headersTimeout', async () => {
    const { response, closedAfterMs } = await trickle('GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: ');
    assert.ok(response === '' || response.startsWith('HTTP/1.1 408'), `408 or closed, not ${JSON.stringify(response.slice(0, 40))}`);
    assert.ok(closedAfterMs < LIMITS.headersTimeoutMs + SLACK_MS, `closed after ${closedAfterMs} ms`);
  });
});
