// Account activity: the security log as its owner sees it. Reached from the
// header; events newest first, each with when, which browser and which
// address; times rewritten in the browser's own time zone by a script of
// the site's own (the CSP allows no inline script).
import { expect, test } from './fixtures.js';
import { ActivityPage } from './pages/activity-page.js';
import { LoginPage } from './pages/login-page.js';
import { seedSecurityLog } from './support/security-log.js';

const laptop = { ip: '203.0.113.7', browser: 'Chrome 156 on Linux', browserKey: undefined };

test.describe('in a browser set to India', () => {
  test.use({ timezoneId: 'Asia/Kolkata', locale: 'en-GB' });

  test('the owner finds their events from the header, newest first, at local times', async ({ page, dashboardPage, activityPage, loggedInUser }) => {
    await seedSecurityLog(loggedInUser.username, [
      { event: { type: 'sign-in-failed', method: 'password' }, context: { ...laptop, ip: '198.51.100.23' }, at: new Date('2026-01-15T12:00:00Z') },
      { event: { type: 'passkey-added', name: 'MacBook' }, context: laptop, at: new Date('2026-01-15T12:05:00Z') },
    ]);
    await dashboardPage.goto();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Activity' }).click();
    await expect(activityPage.heading).toBeVisible();
    await expect(page.getByRole('link', { name: 'Activity' })).toHaveAttribute('aria-current', 'page');

    const added = activityPage.event('Passkey “MacBook” added');
    const failed = activityPage.event('Wrong password');
    await expect(added).toContainText('Chrome 156 on Linux');
    await expect(failed).toContainText('198.51.100.23');
    // newest first: the passkey (12:05) above the wrong password (12:00)
    const order = await activityPage.events.allTextContents();
    expect(order.findIndex((text) => text.includes('MacBook'))).toBeLessThan(order.findIndex((text) => text.includes('Wrong password')));

    // 12:05 UTC is 17:35 in India; the UTC time stays as the tooltip
    const time = added.locator('time');
    await expect(time).toContainText('17:35');
    await expect(time).not.toContainText('UTC');
    await expect(time).toHaveAttribute('title', '2026-01-15 12:05:00 UTC');
    await expect(time).toHaveAttribute('datetime', '2026-01-15T12:05:00.000Z');
    // only what this browser did is marked as this one: its sign-in at registration, not the laptop's lines
    await expect(activityPage.thisBrowserBadge).toHaveCount(1);
    await expect(activityPage.fromThisBrowser('Signed in with a password')).toHaveCount(1);
    await expect(activityPage.fromElsewhere('Passkey “MacBook” added')).toHaveCount(1);
  });
});

test('without JavaScript the times read in UTC', async ({ browser, baseURL, registeredUser }) => {
  await seedSecurityLog(registeredUser.username, [{ event: { type: 'password-changed' }, context: laptop, at: new Date('2026-02-01T08:30:00Z') }]);
  const context = await browser.newContext({ baseURL, javaScriptEnabled: false });
  const page = await context.newPage();
  const login = new LoginPage(page);
  await login.goto();
  await login.login(registeredUser.username, registeredUser.password);
  await expect(page).toHaveURL('/dashboard');
  const activity = new ActivityPage(page);
  await activity.goto();
  await expect(activity.event('Password changed').locator('time')).toHaveText('2026-02-01 08:30:00 UTC');
  await context.close();
});
