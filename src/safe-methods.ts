// safe methods: the requests that change nothing (RFC 9110), so they need no
// CSRF token, origin check or form body. Everything else changes state.
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function isSafeMethod(method: string): boolean {
  return SAFE_METHODS.has(method);
}
