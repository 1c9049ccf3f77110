// Journey 11: register, log in and log out with the keyboard alone, always
// seeing where the focus is.
import type { Locator, Page } from '@playwright/test';
import { expect, test } from './fixtures.js';

/** Presses Tab until `target` has the focus (at most 20 times), checking each stop is visibly focused. */
async function tabTo(page: Page, target: Locator): Promise<void> {
  for (let presses = 0; presses < 20; presses += 1) {
    await page.keyboard.press('Tab');
    const focusVisible = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return true;
      const style = getComputedStyle(el);
      return el.matches(':focus-visible') && style.outlineStyle !== 'none' && style.outlineWidth !== '0px';
    });
    expect(focusVisible, 'every focused element shows a focus ring').toBe(true);
    if (await target.evaluate((el) => el === document.activeElement)) return;
  }
  throw new Error(`could not reach ${target.toString()} with Tab`);
}

test('register, log out and log in with Tab and Enter only', async ({ page, registerPage, loginPage, dashboardPage, newUser }) => {
  await page.goto('/');
  await tabTo(page, page.getByRole('link', { name: 'Register' }).first());
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL('/register');

  await tabTo(page, registerPage.username);
  await page.keyboard.type(newUser.username);
  await tabTo(page, registerPage.password);
  await page.keyboard.type(newUser.password);
  await tabTo(page, registerPage.confirmPassword);
  await page.keyboard.type(newUser.password);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL('/dashboard');
  await expect(dashboardPage.visitCount).toHaveText('1');

  await tabTo(page, dashboardPage.logoutButton);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL('/?notice=signed-out');

  await tabTo(page, page.getByRole('link', { name: 'Log in' }).first());
  await page.keyboard.press('Enter');
  await expect(loginPage.heading).toBeVisible();
  await tabTo(page, loginPage.username);
  await page.keyboard.type(newUser.username);
  await tabTo(page, loginPage.password);
  await page.keyboard.type(newUser.password);
  await tabTo(page, loginPage.submit);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL('/dashboard');
  await expect(dashboardPage.heading).toHaveText(`Hello, ${newUser.username}`);
});

test('the header reaches every page once logged in, and tells where you are', async ({ page, loggedInUser }) => {
  await page.goto('/dashboard');
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav.getByRole('link', { name: 'Dashboard' })).toHaveAttribute('aria-current', 'page');

  await tabTo(page, nav.getByRole('link', { name: 'Your sessions' }));
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL('/sessions');
  for (const [name, path] of [
    ['Change password', '/account/password'],
    ['Two-factor login', '/account/two-factor'],
    ['Delete account', '/account/delete'],
    ['The lab', '/lab'],
    ['Your sessions', '/sessions'],
  ] as const) {
    await nav.getByRole('link', { name }).click();
    await expect(page).toHaveURL(path);
    await expect(nav.getByRole('link', { name })).toHaveAttribute('aria-current', 'page');
    await expect(nav.locator('[aria-current]')).toHaveCount(1);
  }
  // inside the lab, its link marks the section
  await page.goto('/lab/lost-updates');
  await expect(nav.getByRole('link', { name: 'The lab' })).toHaveAttribute('aria-current', 'true');
  await expect(nav.getByText(`Signed in as ${loggedInUser.username}`)).toBeVisible();
});
