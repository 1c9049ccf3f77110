// The lab's trace: open it in one tab, use the app in another tab of the same
// browser, and watch the requests appear in order, each with its steps.
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.js';
import { DashboardPage } from './pages/dashboard-page.js';
import { LoginPage } from './pages/login-page.js';

/** The positions of these requests among the trace's lines, oldest first (-1: not there). */
async function positions(lines: () => Promise<string[]>, requests: string[]): Promise<number[]> {
  const all = await lines();
  return requests.map((request) => all.findIndex((line) => line.startsWith(`${request} →`)));
}

async function logInInAnotherTab(page: Page, username: string, password: string): Promise<Page> {
  const other = await page.context().newPage();
  const login = new LoginPage(other);
  await login.goto();
  await login.login(username, password);
  const dashboard = new DashboardPage(other);
  await expect(dashboard.heading).toHaveText(`Hello, ${username}`);
  return other;
}

test('a login and a dashboard view in another tab appear on the trace page, in order', async ({ page, tracePage, registeredUser }) => {
  await tracePage.goto();
  await expect(tracePage.heading).toBeVisible();
  await expect(tracePage.status).toContainText('No requests yet');

  const other = await logInInAnotherTab(page, registeredUser.username, registeredUser.password);
  await other.reload();

  // the login form, the login, the redirect's dashboard, the reload: in that order
  const lines = () => tracePage.requestLines();
  await expect.poll(() => positions(lines, ['GET /login', 'POST /login', 'GET /dashboard']), { timeout: 10_000 }).not.toContain(-1);
  const [form = -1, login = -1, dashboard = -1] = await positions(lines, ['GET /login', 'POST /login', 'GET /dashboard']);
  expect(form).toBeLessThan(login);
  expect(login).toBeLessThan(dashboard);
  await expect(tracePage.entry('POST /login').locator('summary')).toContainText('→ 303');

  // the drawing has them too; selecting the login there opens its details
  await expect(tracePage.drawn('POST /login')).toBeVisible();
  await tracePage.drawn('POST /login').click();
  const details = tracePage.entry('POST /login');
  await expect(details).toHaveAttribute('open', '');
  const steps = details.locator('.trace-steps li');
  const stepTexts = await steps.allTextContents();
  const insert = stepTexts.findIndex((text) => /MongoDB: insert sessions/.test(text));
  const response = stepTexts.findIndex((text) => /response sent: status 303/.test(text));
  expect(insert, stepTexts.join('\n')).toBeGreaterThan(-1);
  expect(response, 'the 303 after the new session is stored').toBeGreaterThan(insert);
  // nothing secret: the password is not on the page
  await expect(page.locator('body')).not.toContainText(registeredUser.password);
  await other.close();
});

test.describe('on a phone', () => {
  test.use({ viewport: { width: 390, height: 844 } });

  test('the trace fits the screen, with requests drawn', async ({ page, tracePage, registeredUser }) => {
    await tracePage.goto();
    const other = await logInInAnotherTab(page, registeredUser.username, registeredUser.password);
    await expect(tracePage.drawn('POST /login')).toBeVisible({ timeout: 10_000 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await other.close();
  });
});
