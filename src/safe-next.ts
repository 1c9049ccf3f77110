// safe next: where to go after login. Only a path on this site is honoured;
// anything else (https://evil.example, //evil.example, /\evil.example) would
// make the login page an open redirect, so it falls back to the dashboard.
export const DEFAULT_AFTER_LOGIN = '/dashboard';

const SITE = 'http://cloakroom.invalid';

/**
 * One leading slash, then not a second slash or backslash (browsers read "/\"
 * as "//"), and no backslash or control character anywhere (browsers strip or
 * rewrite them: "/\t/evil.example" arrives as "//evil.example").
 */
function isSiteRelative(path: string): boolean {
  return /^\/(?![/\\])/.test(path) && !/[\\\p{Cc}]/u.test(path);
}

/**
 * A "." or ".." segment, written plainly or percent-encoded (%2e, in any
 * case), or an encoded slash or backslash (%2f, %5c). No page of this site
 * has one, and resolving them is how a path that looks local turns into
 * another site: "/.//evil.example" and "/a/..//evil.example" both resolve
 * to "//evil.example".
 */
function hasTrickySegments(path: string): boolean {
  const [pathOnly = ''] = path.split(/[?#]/, 1);
  return /%2f|%5c/i.test(pathOnly) || pathOnly.split('/').some((segment) => /^(?:\.|%2e){1,2}$/i.test(segment));
}

export function safeNextPath(next: unknown): string {
  if (typeof next !== 'string' || next.length === 0 || next.length > 512) return DEFAULT_AFTER_LOGIN;
  if (!isSiteRelative(next) || hasTrickySegments(next)) return DEFAULT_AFTER_LOGIN;
  const url = new URL(next, SITE);
  const path = `${url.pathname}${url.search}${url.hash}`;
  // the checks again, on what is returned: that, not what was sent, is what
  // goes into the Location header
  if (url.origin !== SITE || !isSiteRelative(path)) return DEFAULT_AFTER_LOGIN;
  return path;
}

/**
 * `/login?next=/dashboard`, keeping slashes readable in the query. A query
 * with a `token` (a mailed link's) is left out: the token would otherwise sit
 * in the login page's URL, the browser's history and the form's `next`.
 */
export function loginUrlFor(path: string): string {
  const [pathOnly = '', query] = path.split(/\?(.*)/s, 2);
  const kept = query !== undefined && new URLSearchParams(query).has('token') ? pathOnly : path;
  return `/login?next=${encodeURIComponent(kept).replace(/%2F/gi, '/')}`;
}
