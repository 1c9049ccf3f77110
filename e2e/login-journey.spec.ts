// Journey 1: the whole login lifecycle, in a real browser.
import { expect, test } from './fixtures.js';

test('register, count visits, log out, log back in', async ({ page, registerPage, loginPage, dashboardPage, newUser }) => {
  await registerPage.goto();
  await registerPage.register(newUser.username, newUser.password);

  await expect(page).toHaveURL('/dashboard');
  await expect(dashboardPage.heading).toHaveText(`Hello, ${newUser.username}`);
  await expect(dashboardPage.visitCount).toHaveText('1');
  await expect(dashboardPage.lifetimeVisits).toHaveText('1');

  for (const count of ['2', '3']) {
    await page.reload();
    await expect(dashboardPage.visitCount).toHaveText(count);
    await expect(dashboardPage.lifetimeVisits).toHaveText(count);
  }

  await dashboardPage.logout();
  await expect(page).toHaveURL('/?notice=signed-out');
  await expect(page.getByRole('status')).toContainText('You have signed out');

  await dashboardPage.goto();
  await expect(page).toHaveURL('/login?next=/dashboard');
  await expect(loginPage.heading).toBeVisible();

  await loginPage.login(newUser.username, newUser.password);
  await expect(page).toHaveURL('/dashboard');
  // a new session counts from 1 again; the account's lifetime count goes on
  await expect(dashboardPage.visitCount).toHaveText('1');
  await expect(dashboardPage.lifetimeVisits).toHaveText('4');
});
