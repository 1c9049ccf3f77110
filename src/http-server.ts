// http server: the Node HTTP server around the app, with deliberate limits
// instead of Node's defaults.
import http from 'node:http';

export interface HttpLimits {
  /** Time a client has to send its request headers. */
  headersTimeoutMs: number;
  /** Time a client has to send its whole request, body included. */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open. */
  keepAliveTimeoutMs: number;
}

// a client gets 15 s to send its headers and 30 s for the whole request (our
// forms are tiny), which bounds slow-loris connections; idle keep-alive
// connections stay open 65 s, longer than the 60 s idle timeout of common
// load balancers, so the balancer, not Node, closes them (otherwise it may
// reuse a closed one: 502)
export const HTTP_LIMITS: HttpLimits = {
  headersTimeoutMs: 15_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 65_000,
};

export function createHttpServer(app: http.RequestListener, limits: HttpLimits = HTTP_LIMITS): http.Server {
  return http.createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // Node enforces the two timeouts above only when it checks its
      // connections, every 30 s by default: a client trickling its body kept
      // its connection up to 30 s longer than requestTimeout says. Checking
      // every second cuts it within a second of the limit.
      connectionsCheckingInterval: 1000,
    },
    app,
  );
}
