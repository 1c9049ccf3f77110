// safe next: where to go after login. Only a path on this site is honoured;
// anything else (https://evil.example, //evil.example, /\evil.example) would
// make the login page an open redirect, so it falls back to the dashboard.
export const DEFAULT_AFTER_LOGIN = '/dashboard';

export function safeNextPath(next: unknown): string {
  if (typeof next !== 'string' || next.length === 0 || next.length > 512) return DEFAULT_AFTER_LOGIN;
  // one leading slash, then not a second slash or backslash (browsers read "/\" as "//")
  if (!/^\/(?![/\\])/.test(next)) return DEFAULT_AFTER_LOGIN;
  // no backslashes or control characters anywhere (some browsers strip or rewrite them)
  if (/[\\\p{Cc}]/u.test(next)) return DEFAULT_AFTER_LOGIN;
  const base = 'http://cloakroom.invalid';
  const url = new URL(next, base);
  if (url.origin !== base) return DEFAULT_AFTER_LOGIN;
  return `${url.pathname}${url.search}${url.hash}`;
}

/** `/login?next=/dashboard`, keeping slashes readable in the query. */
export function loginUrlFor(path: string): string {
  return `/login?next=${encodeURIComponent(path).replace(/%2F/gi, '/')}`;
}
