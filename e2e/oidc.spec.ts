// Journey 28: sign in with another account (OpenID Connect), against a real
// local provider (oidc-provider, started by playwright.config.ts): sign up
// through it, sign out, sign back in to the same account; a callback opened
// again is refused; two tabs starting a sign-in at once both end signed in;
// a password account links the provider in sudo mode, signs in with it, and
// unlinks it; an account the provider made confirms sudo mode with it, sets a
// first password and logs in with that; with two-factor on, it confirms with
// the provider and then the code alone. At http://localhost:<port>, the app's PUBLIC_URL, where the
// provider sends the browser back (the session cookie is this host's).
import { test as base, expect } from './fixtures.js';
import type { LoginPage } from './pages/login-page.js';
import { LinkedAccountsPage, ProviderLoginPage } from './pages/oidc-pages.js';
import { localhostURL } from './support/env.js';
import { totpCode } from './support/two-factor.js';

const PROVIDER = 'Example ID';
const test = base.extend({
  baseURL: async ({ baseURL }, use) => {
    await use(localhostURL(baseURL ?? ''));
  },
});

/**
 * From the login page, through the provider, to the dashboard. The provider
 * may remember this browser and send it straight back; its login page shows if not.
 */
async function signInAgain(loginPage: LoginPage, person: string): Promise<void> {
  const { page } = loginPage;
  await loginPage.goto();
  await page.getByRole('button', { name: `Sign in with ${PROVIDER}` }).click();
  const provider = new ProviderLoginPage(page);
  await expect(page.getByTestId('visit-count').or(provider.login)).toBeVisible();
  if (await provider.login.isVisible()) await provider.signIn(person);
  await expect(page).toHaveURL('/dashboard');
}

let people = 0;
/** A login no other journey types at the provider: a new person there. */
const newPerson = () => `person${Date.now().toString(36)}${(people += 1)}`;

test('sign up through the provider, sign out, and sign back in to the same account; its callback replayed is refused', async ({ page, browser, baseURL, loginPage }) => {
  const person = newPerson();
  const callbacks: string[] = [];
  page.on('request', (request) => {
    if (new URL(request.url()).pathname === '/login/oidc/callback') callbacks.push(request.url());
  });

  await loginPage.goto();
  await page.getByRole('button', { name: `Sign in with ${PROVIDER}` }).click();
  await new ProviderLoginPage(page).signIn(person);
  await expect(page).toHaveURL('/dashboard');
  await expect(page.getByText(person, { exact: true })).toBeVisible();

  // the same callback replayed by another browser (one that copied the
  // address): its pending sign-in was used up, and was never that browser's.
  // (This browser, signed in meanwhile, would simply go on to its dashboard,
  // as a second tab does.)
  const [callback] = callbacks;
  expect(callback).toBeTruthy();
  const replaying = await browser.newContext({ baseURL });
  const replay = await replaying.newPage();
  await replay.goto(callback ?? '');
  await expect(replay.getByRole('heading', { name: 'This sign-in could not be finished' })).toBeVisible();
  await replaying.close();

  await page.getByRole('button', { name: 'Log out' }).click();
  await signInAgain(loginPage, person);
  await expect(page.getByText(person, { exact: true })).toBeVisible();
});

test('two tabs starting a sign-in at once both end signed in', async ({ page, context, loginPage }) => {
  const person = newPerson();
  const second = await context.newPage();
  await loginPage.goto();
  await second.goto('/login');
  // both at the provider's login page: two sign-ins pending in one session
  await page.getByRole('button', { name: `Sign in with ${PROVIDER}` }).click();
  await second.getByRole('button', { name: `Sign in with ${PROVIDER}` }).click();
  await new ProviderLoginPage(page).signIn(person);
  await new ProviderLoginPage(second).signIn(person);
  await expect(page).toHaveURL('/dashboard');
  await expect(second).toHaveURL('/dashboard');
  await second.reload();
  await expect(second.getByText(person, { exact: true })).toBeVisible();
});

test('a password account links the provider in sudo mode, signs in with it, and unlinks it', async ({ page, loggedInUser, loginPage }) => {
  const person = newPerson();
  const linked = new LinkedAccountsPage(page);
  await linked.goto();
  await expect(linked.heading).toBeVisible();
  // just registered: sudo mode, so no password is asked for here
  await linked.link(PROVIDER).click();
  await new ProviderLoginPage(page).signIn(person);
  await expect(page).toHaveURL(/\/account\/linked/);
  await expect(linked.linked).toHaveCount(1);

  // out, and back in through the provider: the password account
  await page.getByRole('button', { name: 'Log out' }).click();
  await signInAgain(loginPage, person);
  await expect(page.getByText(loggedInUser.username, { exact: true })).toBeVisible();

  // unlinked (the password is still a way in): the list is empty again
  await linked.goto();
  await linked.unlink.click();
  await expect(linked.linked).toHaveCount(0);
  await expect(linked.link(PROVIDER)).toBeVisible();
});

test('"Keep me signed in", ticked on the login page, keeps a sign-in through the provider too', async ({ page, context, loginPage }) => {
  const sessionCookie = async () => (await context.cookies()).find((cookie) => cookie.name === 'cloakroom.sid');
  const person = newPerson();
  // unticked: a browser-session cookie (no Expires)
  await loginPage.goto();
  await page.getByRole('button', { name: `Sign in with ${PROVIDER}` }).click();
  await new ProviderLoginPage(page).signIn(person);
  await expect(page).toHaveURL('/dashboard');
  expect((await sessionCookie())?.expires).toBe(-1);
  await page.getByRole('button', { name: 'Log out' }).click();

  // ticked: a persistent one, as for a password
  await loginPage.goto();
  await page.getByLabel('Keep me signed in on this device').check();
  await page.getByRole('button', { name: `Sign in with ${PROVIDER}` }).click();
  const provider = new ProviderLoginPage(page);
  await expect(page.getByTestId('visit-count').or(provider.login)).toBeVisible();
  if (await provider.login.isVisible()) await provider.signIn(person);
  await expect(page).toHaveURL('/dashboard');
  expect((await sessionCookie())?.expires).toBeGreaterThan(Date.now() / 1000);
});

test('an account made through the provider confirms with it, then sets a password and logs in with it', async ({ page, loginPage }) => {
  const person = newPerson();
  await signInAgain(loginPage, person);

  // the confirm page asks for no password nobody knows: the provider instead
  await page.goto('/account/confirm?next=/account/password');
  await expect(page.getByLabel('Password', { exact: true })).toHaveCount(0);
  await page.getByRole('button', { name: `Confirm with ${PROVIDER}` }).click();
  const provider = new ProviderLoginPage(page);
  await expect(page.getByRole('heading', { name: 'Set a password' }).or(provider.login)).toBeVisible();
  if (await provider.login.isVisible()) await provider.signIn(person);
  await expect(page).toHaveURL('/account/password');

  // a first password: no current one to give
  await expect(page.getByRole('heading', { name: 'Set a password' })).toBeVisible();
  await expect(page.getByLabel('Current password')).toHaveCount(0);
  const password = 'a first password of my own';
  await page.getByLabel('New password', { exact: true }).fill(password);
  await page.getByLabel('Confirm new password').fill(password);
  await page.getByRole('button', { name: 'Set password' }).click();
  await expect(page.getByText('Your password has been set.')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Change your password' })).toBeVisible();

  // out, and in with the username and the new password
  await page.getByRole('button', { name: 'Log out' }).click();
  await loginPage.goto();
  await loginPage.login(person, password);
  await expect(page).toHaveURL('/dashboard');
});

test('an account made through the provider, with two-factor on, confirms with the provider and then its code alone', async ({ page, loginPage, twoFactorSettingsPage, confirmPage }) => {
  const person = newPerson();
  await signInAgain(loginPage, person);
  // two-factor on (just signed in: sudo mode)
  await twoFactorSettingsPage.goto();
  const secret = (await twoFactorSettingsPage.secret.textContent())?.trim() ?? '';
  await twoFactorSettingsPage.code.fill(totpCode(secret, -1));
  await twoFactorSettingsPage.turnOn.click();
  await expect(page.getByRole('heading', { name: 'Your recovery codes' })).toBeVisible();

  // the provider is offered, the code to follow
  await page.goto('/account/confirm?next=/account/delete');
  await expect(page.getByText('Then a code from your authenticator app.')).toBeVisible();
  await page.getByRole('button', { name: `Confirm with ${PROVIDER}` }).click();
  await new ProviderLoginPage(page).signIn(person);
  // back: the code alone, no password
  await expect(page).toHaveURL('/account/confirm?next=/account/delete');
  await expect(page.getByText(`You confirmed with ${PROVIDER}.`)).toBeVisible();
  await expect(confirmPage.password).toHaveCount(0);
  const code = page.getByLabel('Code');
  await code.fill('000000' === totpCode(secret) ? '111111' : '000000');
  await confirmPage.submit.click();
  await expect(code).toHaveAccessibleDescription(/That code is not right/);
  await code.fill(totpCode(secret));
  await confirmPage.submit.click();
  await expect(page).toHaveURL('/account/delete');
});
