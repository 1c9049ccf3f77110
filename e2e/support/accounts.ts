// accounts: creating a user and logging in over HTTP, as a test's starting
// point (the registration and login forms are tested in their own journeys).
import type { APIRequestContext } from '@playwright/test';

/** A user's name and password. */
export interface Credentials {
  username: string;
  password: string;
}

/** The CSRF token of the (first) form on a page. */
async function csrfTokenOn(request: APIRequestContext, url: string): Promise<string> {
  const page = await request.get(url);
  const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1];
  if (!token) throw new Error(`no CSRF token on ${url}`);
  return token;
}

export async function registerOverHttp(request: APIRequestContext, baseURL: string, user: Credentials): Promise<void> {
  const res = await request.post(`${baseURL}/register`, {
    form: {
      username: user.username,
      password: user.password,
      confirmPassword: user.password,
      _csrf: await csrfTokenOn(request, `${baseURL}/register`),
    },
    maxRedirects: 0,
  });
  if (res.status() !== 303) throw new Error(`registration answered ${res.status()}`);
  // registering logs in; log out again (the logout form is on every page), so
  // the account has no session anywhere
  const logout = await request.post(`${baseURL}/logout`, {
    form: { _csrf: await csrfTokenOn(request, `${baseURL}/`) },
    maxRedirects: 0,
  });
  if (logout.status() !== 303) throw new Error(`logout answered ${logout.status()}`);
}

/**
 * Logs in over HTTP, as the login form would: the form's CSRF token, then the
 * POST. With a browser context's request (page.request), the session cookie
 * lands in that context, so its pages are logged in.
 */
export async function logInOverHttp(request: APIRequestContext, baseURL: string, user: Credentials): Promise<void> {
  const res = await request.post(`${baseURL}/login`, {
    form: { username: user.username, password: user.password, _csrf: await csrfTokenOn(request, `${baseURL}/login`) },
    maxRedirects: 0,
  });
  if (res.status() !== 303) throw new Error(`login answered ${res.status()}`);
}
