// Journey 10: repeated wrong passwords end on a page that explains itself.
import { expect, test } from './fixtures.js';

test('repeated wrong passwords end on the 429 page', async ({ page, loginPage, registeredUser }) => {
  // the browser tests allow 3 failures in a row (e2e/support/env.ts)
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    await loginPage.goto();
    await loginPage.login(registeredUser.username, `wrong guess ${attempt}`);
    await expect(loginPage.error).toHaveText('Invalid username or password');
  }
  await loginPage.goto();
  const response = page.waitForResponse((res) => res.url().endsWith('/login') && res.request().method() === 'POST');
  // even the right password is refused now
  await loginPage.login(registeredUser.username, registeredUser.password);
  const blocked = await response;
  expect(blocked.status()).toBe(429);
  expect(Number(await blocked.headerValue('retry-after'))).toBeGreaterThan(0);
  await expect(page.getByRole('heading', { name: 'Too many attempts' })).toBeVisible();
  await expect(page.getByText(/too many failed attempts to log in to this account/i)).toBeVisible();
  await expect(page.getByText(/try again in/i)).toBeVisible();
});
