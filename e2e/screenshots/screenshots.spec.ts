// npm run screenshots: a picture of each page for the README, in docs/screenshots/.
import path from 'node:path';
import { expect, test } from '../fixtures.js';

const DIR = path.resolve(import.meta.dirname, '..', '..', 'docs', 'screenshots');
const shot = (name: string) => ({ path: path.join(DIR, `${name}.png`), fullPage: true });

test.use({ viewport: { width: 1000, height: 700 } });

test('every page', async ({ page, registerPage, loginPage, dashboardPage, registeredUser }) => {
  await page.goto('/');
  await page.screenshot(shot('home'));

  await registerPage.goto();
  await registerPage.register('x', 'short', 'shirt');
  await expect(page.getByText('Passwords do not match')).toBeVisible();
  await page.screenshot(shot('register-errors'));

  // a second account, registered through the form
  await registerPage.register(`${registeredUser.username}_2`, registeredUser.password);
  await page.reload();
  await page.reload();
  await expect(dashboardPage.visitCount).toHaveText('3');
  await page.screenshot(shot('dashboard'));

  await dashboardPage.logout();
  await page.screenshot(shot('signed-out'));

  await loginPage.goto();
  await loginPage.login(registeredUser.username, 'not the password');
  await expect(loginPage.error).toBeVisible();
  await page.screenshot(shot('login-failed'));

  for (let attempt = 0; attempt < 3; attempt += 1) {
    await loginPage.goto();
    await loginPage.login(registeredUser.username, 'not the password');
  }
  await expect(page.getByRole('heading', { name: 'Too many attempts' })).toBeVisible();
  await page.screenshot(shot('too-many-attempts'));

  await page.goto('/no/such/page');
  await page.screenshot(shot('not-found'));
});
