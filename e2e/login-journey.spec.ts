import { expect, test } from './fixtures.js';

test('register, count visits, log out, log back in', async ({ page, registerPage, loginPage, dashboardPage, newUser }) => {
  await registerPage.goto();
  await registerPage.register(newUser.username, newUser.password);

  await expect(page).toHaveURL('/dashboard');
  await expect(dashboardPage.heading).toHaveText(`Hello, ${newUser.username}`);
  await expect(dashboardPage.visitCount).toHaveText('1');
  await expect(dashboardPage.lifetimeVisits).toHaveText('1');

  await page.reload();
  await expect(dashboardPage.visitCount).toHaveText('2');
  await expect(dashboardPage.lifetimeVisits).toHaveText('2');

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
  await expect(dashboardPage.lifetimeVisits).toHaveText('3');
});
