// accounts: creating a user over HTTP, as a test's starting point (the
// registration form itself is tested in its own journeys).
import type { APIRequestContext } from '@playwright/test';
import type { Credentials } from '../fixtures.js';

export async function registerOverHttp(request: APIRequestContext, baseURL: string, user: Credentials): Promise<void> {
  const form = await request.get(`${baseURL}/register`);
  const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1];
  if (!token) throw new Error('no CSRF token on /register');
  const res = await request.post(`${baseURL}/register`, {
    form: { username: user.username, password: user.password, confirmPassword: user.password, _csrf: token },
    maxRedirects: 0,
  });
  if (res.status() !== 303) throw new Error(`registration answered ${res.status()}`);
  // registering logs in; log out again, so the account has no session anywhere
  const home = await request.get(`${baseURL}/`);
  const logoutToken = /name="_csrf" value="([^"]+)"/.exec(await home.text())?.[1];
  if (!logoutToken) throw new Error('no logout form on / after registering');
  const logout = await request.post(`${baseURL}/logout`, { form: { _csrf: logoutToken }, maxRedirects: 0 });
  if (logout.status() !== 303) throw new Error(`logout answered ${logout.status()}`);
}
