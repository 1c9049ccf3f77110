// Production, as deployed: the built app with Compose's environment behind
// Caddy and the repository's Caddyfile, over https, in Chromium. What only
// shows in production: the __Host- Secure cookie, HSTS, no lab, no stack
// traces, client addresses as the proxy reports them, and the pages for a
// lockout and for a database that is down; forgot password, with the mail
// read from the stack's mail catcher and its links built from PUBLIC_URL;
// sign-in with the demo provider of Compose's profile demo-provider, over https.
import type { Browser, BrowserContext, Page } from '@playwright/test';
import { expect, test } from '../fixtures.js';
import { LoginPage } from '../pages/login-page.js';
import { ProviderLoginPage } from '../pages/oidc-pages.js';
import { DEMO_PROVIDER_NAME, stackState } from './state.js';

const COOKIE = '__Host-cloakroom.sid';

/** A browser of its own (one session), trusting the proxy's certificate as the suite's own pages do. */
async function newBrowser(browser: Browser, baseURL: string | undefined): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL, ignoreHTTPSErrors: true });
  return { context, page: await context.newPage() };
}

async function logIn(page: Page, username: string, password: string): Promise<void> {
  const login = new LoginPage(page);
  await login.goto();
  await login.login(username, password);
  await expect(page).toHaveURL('/dashboard');
}

test('register, count, log out, a replayed cookie, log in: over https with a __Host- Secure cookie', async ({
  page,
  context,
  browser,
  baseURL,
  registerPage,
  dashboardPage,
  newUser,
}) => {
  await registerPage.goto();
  await registerPage.register(newUser.username, newUser.password);
  await expect(page).toHaveURL('/dashboard');
  await expect(dashboardPage.visitCount).toHaveText('1');
  const response = await page.reload();
  await expect(dashboardPage.visitCount).toHaveText('2');
  expect(response?.headers()['strict-transport-security']).toMatch(/max-age=\d+/);

  const [cookie] = (await context.cookies()).filter((c) => c.name === COOKIE);
  expect(cookie, 'the session cookie has the __Host- prefix').toBeDefined();
  expect(cookie).toMatchObject({ secure: true, httpOnly: true, sameSite: 'Lax', path: '/' });
  expect(cookie?.domain).toBe('localhost');

  await dashboardPage.logout();
  await expect(page).toHaveURL('/?notice=signed-out');

  // the cookie as it was before logout, in another browser: worthless now
  const thief = await newBrowser(browser, baseURL);
  if (cookie) await thief.context.addCookies([cookie]);
  await thief.page.goto('/dashboard');
  await expect(thief.page).toHaveURL('/login?next=/dashboard');
  await thief.context.close();

  await logIn(page, newUser.username, newUser.password);
  await expect(dashboardPage.visitCount).toHaveText('1');
  // the known-browser cookie of the sign-in alerts: __Host-, Secure, HttpOnly, and kept across the logout
  const [known] = (await context.cookies()).filter((c) => c.name === '__Host-cloakroom.browser');
  expect(known, 'the known-browser cookie has the __Host- prefix').toMatchObject({ secure: true, httpOnly: true, sameSite: 'Lax', path: '/' });
});

test('"Your sessions", a password change that signs the other browser out, and account deletion', async ({
  page,
  browser,
  baseURL,
  sessionsPage,
  changePasswordPage,
  deleteAccountPage,
  loginPage,
  loggedInUser,
}) => {
  const other = await newBrowser(browser, baseURL);
  await logIn(other.page, loggedInUser.username, loggedInUser.password);

  await sessionsPage.goto();
  await expect(sessionsPage.rows).toHaveCount(2);
  await expect(sessionsPage.currentRow).toHaveCount(1);

  await changePasswordPage.goto();
  const newPassword = 'a completely new passphrase';
  await changePasswordPage.change(loggedInUser.password, newPassword);
  await expect(changePasswordPage.status).toHaveText('Your password has been changed, and 1 other session was signed out.');
  await other.page.reload();
  await expect(other.page).toHaveURL('/login?next=/dashboard');
  await other.context.close();

  await deleteAccountPage.goto();
  await deleteAccountPage.deleteAccount();
  await expect(page).toHaveURL('/?notice=account-deleted');
  await loginPage.goto();
  await loginPage.login(loggedInUser.username, newPassword);
  await expect(loginPage.error).toHaveText('Invalid username or password');
});

test('the lockout counts the address the proxy saw: a forged X-Forwarded-For does not dodge it', async ({
  page,
  loginPage,
  registeredUser,
}) => {
  // Compose's settings plus a lockout after 3 failures (e2e/production/state.ts)
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    // a new made-up address each time: if the app believed it, each attempt would count for another address
    await page.setExtraHTTPHeaders({ 'X-Forwarded-For': `198.51.100.${attempt}` });
    await loginPage.goto();
    await loginPage.login(registeredUser.username, `wrong guess ${attempt}`);
    await expect(loginPage.error).toHaveText('Invalid username or password');
  }
  await page.setExtraHTTPHeaders({ 'X-Forwarded-For': '198.51.100.99' });
  await loginPage.goto();
  const response = page.waitForResponse((res) => res.url().endsWith('/login') && res.request().method() === 'POST');
  await loginPage.login(registeredUser.username, registeredUser.password);
  expect((await response).status()).toBe(429);
  await expect(page.getByRole('heading', { name: 'Too many attempts' })).toBeVisible();
});

/** The link to `path` in the newest mail to `to` with this subject, from the stack's mail catcher. */
async function linkInMail(to: string, subject: string, path: string): Promise<string> {
  let link: string | undefined;
  await expect(async () => {
    const messages = (await (await fetch(stackState().mailUrl)).json()) as { to: string[]; subject: string; text: string }[];
    const mail = messages.find((m) => m.to.includes(to) && m.subject === subject);
    link = mail?.text.match(new RegExp(`https://\\S+${path.replace(/[/?]/g, '\\$&')}\\?token=[\\w-]+`))?.[0];
    expect(link, `a mail "${subject}" to ${to}`).toBeDefined();
  }).toPass({ timeout: 30_000 });
  return link ?? '';
}

test('forgot password over https: the mailed link, built from PUBLIC_URL, sets a new password', async ({
  page,
  baseURL,
  registerPage,
  loginPage,
  forgotPasswordPage,
  resetPasswordPage,
  newUser,
}) => {
  const email = `${newUser.username.toLowerCase()}@example.test`;
  await registerPage.goto();
  await registerPage.register(newUser.username, newUser.password, newUser.password, email);
  await expect(page).toHaveURL('/dashboard?notice=address-mailed');
  const confirm = await linkInMail(email, 'Confirm your email address for Cloakroom', '/verify-email');
  expect(confirm.startsWith(`${baseURL}/verify-email?token=`), 'the link leads to the site as PUBLIC_URL names it').toBe(true);
  await page.goto(confirm);
  await page.getByRole('button', { name: 'Confirm this address' }).click();
  await expect(page.getByRole('heading', { name: 'Email address confirmed' })).toBeVisible();
  await page.getByRole('button', { name: 'Log out' }).click();

  await forgotPasswordPage.goto();
  await forgotPasswordPage.ask(newUser.username);
  await expect(page).toHaveURL('/forgot-password/sent');
  await page.goto(await linkInMail(email, 'Reset your Cloakroom password', '/reset-password'));
  await expect(page).toHaveURL('/reset-password');
  const newPassword = 'a passphrase chosen in production';
  await resetPasswordPage.choose(newPassword);
  await expect(page).toHaveURL('/login?notice=password-reset');
  await loginPage.login(newUser.username, newPassword);
  await expect(page).toHaveURL('/dashboard');
});

test('sign in with the demo provider (profile demo-provider): https at both ends, its CA trusted by the app in production', async ({ page, loginPage }) => {
  const { providerUrl } = stackState();
  const person = `demo${Date.now().toString(36)}`;
  await loginPage.goto();
  // the CSP's form-action lets the form's redirect go to the provider's origin
  await page.getByRole('button', { name: `Sign in with ${DEMO_PROVIDER_NAME}` }).click();
  await expect(page).toHaveURL(new RegExp(`^${providerUrl.replaceAll('.', '\\.')}/interaction/`));
  // the app fetched the provider's discovery over https to send the browser
  // there, and exchanges the code over https: NODE_EXTRA_CA_CERTS, no insecure request
  await new ProviderLoginPage(page).signIn(person);
  await expect(page).toHaveURL('/dashboard');
  await expect(page.getByText(person, { exact: true })).toBeVisible();
});

test('no lab, and error pages without stack traces or library names', async ({ page, request }) => {
  const lab = await page.goto('/lab');
  expect(lab?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();

  // a body the app refuses: a friendly page, no details
  const refused = await request.post('/login', { data: '{"username": 1}', headers: { 'content-type': 'application/json' } });
  expect(refused.status()).toBe(415);
  const body = await refused.text();
  for (const leak of [/\n\s+at /, /node_modules/, /Error:/, /express/i, /mongo/i]) expect(body).not.toMatch(leak);
  expect(refused.headers()['x-powered-by']).toBeUndefined();
});

test('with the database stopped: a 503 page, then back by itself', async ({ page, dashboardPage, loggedInUser }) => {
  const state = stackState();
  process.kill(state.stackPid, 'SIGUSR1');
  try {
    // the login page needs the database (its CSRF token is stored in a session)
    await expect(async () => {
      const response = await page.goto('/login');
      expect(response?.status()).toBe(503);
    }).toPass({ timeout: 30_000 });
    await expect(page.getByRole('heading', { name: 'Temporarily unavailable' })).toBeVisible();
    await expect(page.getByText(/cannot reach its database/)).toBeVisible();
  } finally {
    process.kill(state.stackPid, 'SIGUSR2');
  }
  await expect(async () => {
    const response = await page.goto('/dashboard');
    expect(response?.status()).toBe(200);
  }).toPass({ timeout: 30_000 });
  // the session outlived the outage
  await expect(dashboardPage.heading).toHaveText(`Hello, ${loggedInUser.username}`);
});
