// Journeys 15, 16 and 17: the teaching layer in the browser. The session
// inspector, "Your sessions" across two browsers, and the lab's three experiments.
import { expect, test } from './fixtures.js';
import { SessionsPage } from './pages/sessions-page.js';

const COOKIE = 'cloakroom.sid';

test('the session inspector shows both halves, and never the whole session ID', async ({
  page,
  context,
  dashboardPage,
  loggedInUser,
}) => {
  await dashboardPage.goto();
  const inspector = page.getByTestId('session-inspector');
  const stored = page.getByTestId('session-document');
  // the stored document, fetched from MongoDB by the page's script
  await expect(stored).toContainText('"dashboardVisits": 1');
  await expect(stored).toContainText(`"username": "${loggedInUser.username}"`);
  await expect(stored).toContainText('"userId"');
  await expect(inspector).toContainText(COOKIE);
  // read whole, not in a scroll box, with the fields the page talks about marked
  expect(await stored.evaluate((el) => el.scrollHeight <= el.clientHeight)).toBe(true);
  for (const key of ['userId', 'dashboardVisits', 'loginAt', 'lastSeenAt', 'generation', 'expires']) {
    await expect(stored.locator('mark', { hasText: `"${key}":` }).first()).toBeVisible();
  }
  await expect(stored.locator('mark', { hasText: '"username":' })).toHaveCount(0);
  await expect(page.getByTestId('end-times-explained')).toContainText('whichever of these two comes first');

  const cookie = (await context.cookies()).find((c) => c.name === COOKIE);
  if (!cookie) throw new Error('no session cookie');
  const id = decodeURIComponent(cookie.value).slice(2).split('.')[0] ?? '';
  await expect(page.getByTestId('session-id-prefix')).toHaveText(`${id.slice(0, 6)}…`);
  const html = await page.content();
  expect(html).not.toContain(id.slice(0, 12));
  expect(html).not.toContain(cookie.value);

  await page.reload();
  await expect(stored).toContainText('"dashboardVisits": 2');
});

test('a session signed out on one browser is logged out on the other', async ({ loggedInBrowsers }) => {
  const [laptop, phone] = await loggedInBrowsers(2);
  if (!laptop || !phone) throw new Error('no pages');

  await laptop.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Your sessions' }).click();
  const sessions = new SessionsPage(laptop);
  await expect(sessions.rows).toHaveCount(2);
  await expect(sessions.currentRow).toContainText('This session');
  await expect(sessions.otherRows).toContainText('Chrome');

  await sessions.otherRows.getByRole('button', { name: 'Sign out' }).click();
  await expect(laptop.getByText('That session has been signed out')).toBeVisible();
  await expect(sessions.rows).toHaveCount(1);

  // the phone's ticket is worthless now: its next request is a stranger's
  await phone.reload();
  await expect(phone).toHaveURL(/\/login\?next=%2Fdashboard|\/login\?next=\/dashboard/);
  await laptop.goto('/dashboard');
  await expect(laptop).toHaveURL('/dashboard');
});

test('"sign out everywhere else" keeps only this browser', async ({ loggedInBrowsers }) => {
  const [mine, ...others] = await loggedInBrowsers(3);
  if (!mine) throw new Error('no page');
  const sessions = new SessionsPage(mine);
  await sessions.goto();
  await expect(sessions.rows).toHaveCount(3);
  await sessions.signOutEverywhereElse.click();
  await expect(sessions.rows).toHaveCount(1);
  await expect(mine.getByText('You are not logged in anywhere else.')).toBeVisible();
  for (const page of others) {
    await page.reload();
    await expect(page).toHaveURL(/\/login/);
  }
});

test.describe('the lab', () => {
  test('the redirect race: the wrong way lands unknown, the right way known', async ({ page, redirectRacePage }) => {
    test.setTimeout(60_000);
    for (let run = 1; run <= 3; run += 1) {
      await redirectRacePage.goto();
      await redirectRacePage.wrongWay.click();
      await expect(page).toHaveURL('/lab/redirect-race/landing?way=wrong');
      await expect(redirectRacePage.result, `wrong way, run ${run}`).toHaveText('This page does not know you.');
      await redirectRacePage.goto();
      await redirectRacePage.rightWay.click();
      await expect(page).toHaveURL('/lab/redirect-race/landing?way=right');
      await expect(redirectRacePage.result, `right way, run ${run}`).toHaveText('This page knows you: welcome, lab visitor.');
    }
  });

  test('lost updates: the session counter loses increments, $inc none', async ({ lostUpdatesPage }) => {
    await lostUpdatesPage.goto();
    await expect(lostUpdatesPage.sessionHits).toHaveText('0');
    await lostUpdatesPage.burst.click();
    await expect(lostUpdatesPage.status).toContainText('50 requests sent');
    await expect(lostUpdatesPage.databaseHits).toHaveText('50');
    const sessionHits = Number(await lostUpdatesPage.sessionHits.textContent());
    expect(sessionHits).toBeGreaterThan(0);
    expect(sessionHits).toBeLessThan(50);
    await expect(lostUpdatesPage.status).toContainText('the database counter lost 0');

    await lostUpdatesPage.reset.click();
    await expect(lostUpdatesPage.sessionHits).toHaveText('0');
    await expect(lostUpdatesPage.databaseHits).toHaveText('0');
  });

  test('saveUninitialized: true stores a session per anonymous visit, false none', async ({ saveUninitializedPage }) => {
    await saveUninitializedPage.goto();
    await saveUninitializedPage.empty.click();
    await expect(saveUninitializedPage.stored).toHaveText('0');
    await saveUninitializedPage.visits(true).click();
    await expect(saveUninitializedPage.status).toHaveText('20 anonymous visits stored 20 new sessions.');
    await expect(saveUninitializedPage.stored).toHaveText('20');
    await saveUninitializedPage.visits(false).click();
    await expect(saveUninitializedPage.status).toHaveText('20 anonymous visits stored 0 new sessions.');
    await expect(saveUninitializedPage.stored).toHaveText('20');
  });

  test('the resurrection race: the wrong way the session comes back, the right way it stays gone', async ({ resurrectionPage }) => {
    for (let run = 1; run <= 2; run += 1) {
      await resurrectionPage.goto('wrong');
      await resurrectionPage.run.click();
      await expect(resurrectionPage.result, `wrong way, run ${run}`).toHaveText(/The session came back/);
      await expect(resurrectionPage.steps.last()).toHaveText('Asked again: this browser is logged in.');
      await resurrectionPage.goto('right');
      await resurrectionPage.run.click();
      await expect(resurrectionPage.result, `right way, run ${run}`).toHaveText(/The session stayed gone/);
      await expect(resurrectionPage.steps.last()).toHaveText('Asked again: this browser is logged out.');
      // the button works again without a reload (it fetched a fresh CSRF token)
      await expect(resurrectionPage.run).toBeEnabled();
      await resurrectionPage.run.click();
      await expect(resurrectionPage.steps).toHaveCount(5);
      await expect(resurrectionPage.result).toHaveText(/The session stayed gone/);
    }
  });
});

