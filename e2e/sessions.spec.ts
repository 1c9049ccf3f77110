// Journeys 4, 5 and 6: sessions as the browser sees them.
import { expect, test } from './fixtures.js';
import { DashboardPage } from './pages/dashboard-page.js';

const COOKIE = 'cloakroom.sid';

test('two browsers logged in as one user count separately, and share the lifetime count', async ({ loggedInBrowsers }) => {
  const [first, second] = await loggedInBrowsers(2);
  if (!first || !second) throw new Error('no pages');
  const a = new DashboardPage(first);
  const b = new DashboardPage(second);
  await expect(a.visitCount).toHaveText('1');
  await expect(b.visitCount).toHaveText('1');
  await expect(b.lifetimeVisits).toHaveText('2');

  await first.reload();
  await expect(a.visitCount).toHaveText('2');
  await expect(a.lifetimeVisits).toHaveText('3');
  await second.reload();
  await expect(b.visitCount).toHaveText('2');
  await expect(b.lifetimeVisits).toHaveText('4');
});

test('the session cookie changes at login and is HttpOnly and SameSite=Lax', async ({
  page,
  context,
  loginPage,
  registeredUser,
}) => {
  await loginPage.goto();
  // the login form's session (it holds the CSRF token)
  const before = (await context.cookies()).find((c) => c.name === COOKIE);
  expect(before).toBeDefined();

  await loginPage.login(registeredUser.username, registeredUser.password);
  await expect(page).toHaveURL('/dashboard');
  const after = (await context.cookies()).find((c) => c.name === COOKIE);
  expect(after).toBeDefined();
  expect(after?.value).not.toEqual(before?.value);
  expect(after?.httpOnly).toBe(true);
  expect(after?.sameSite).toBe('Lax');
  // and page scripts cannot read it
  expect(await page.evaluate(() => document.cookie)).not.toContain(COOKIE);
});

test('after logout, Back shows nothing private and the old cookie is worthless', async ({
  page,
  browser,
  baseURL,
  context,
  dashboardPage,
  loggedInUser,
}) => {
  await dashboardPage.goto();
  await expect(dashboardPage.visitCount).toHaveText('1');
  const stolen = await context.cookies();

  await dashboardPage.logout();
  await expect(page).toHaveURL('/?notice=signed-out');

  await page.goBack();
  await expect(page).toHaveURL(/\/login\?next=\/dashboard/);
  await expect(dashboardPage.visitCount).toHaveCount(0);
  await expect(page.getByText(`Hello, ${loggedInUser.username}`)).toHaveCount(0);

  await page.reload();
  await expect(page).toHaveURL(/\/login/);

  const replay = await browser.newContext({ baseURL });
  await replay.addCookies(stolen);
  const thief = await replay.newPage();
  await thief.goto('/dashboard');
  await expect(thief).toHaveURL('/login?next=/dashboard');
  await replay.close();
});
