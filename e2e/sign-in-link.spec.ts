// Journey 27: "Email me a sign-in link". Asked for on the login page, the link
// from the dev inbox signs this browser in at once; the same link opened by
// another browser afterwards no longer works. A fresh link opened in a
// second browser asks first, and three browsers saying yes to one link at
// once sign in exactly one.
import type { Browser } from '@playwright/test';
import { expect, test } from './fixtures.js';
import { registerWithConfirmedAddress } from './pages/mail-pages.js';

const address = (username: string) => `${username.toLowerCase()}@example.test`;
const SUBJECT = 'Your Cloakroom sign-in link';

/** A new browser (its own cookies) at the same site. */
async function anotherBrowser(browser: Browser, baseURL: string | undefined) {
  const context = await browser.newContext({ baseURL });
  return { context, page: await context.newPage() };
}

test('a sign-in link from the dev inbox signs this browser in once; elsewhere it asks first, and one of three yeses wins', async ({
  page,
  browser,
  baseURL,
  registerPage,
  loginPage,
  mailCatcherPage,
  newUser,
}) => {
  test.setTimeout(120_000);
  const email = address(newUser.username);
  await registerWithConfirmedAddress(registerPage, mailCatcherPage, newUser, email);
  await page.getByRole('button', { name: 'Log out' }).click();

  // asked for on the login page, opened in this browser: signed in at once
  await loginPage.goto();
  await page.getByRole('link', { name: 'Email me a sign-in link' }).click();
  await page.getByLabel('Username or email address').fill(newUser.username);
  await page.getByRole('button', { name: 'Send me a link' }).click();
  await expect(page.getByRole('heading', { name: 'Check your email' })).toBeVisible();
  const mail = await mailCatcherPage.mail(email, SUBJECT);
  const href = new URL((await mail.getByRole('link', { name: /\/sign-in-link\/open\?token=/ }).getAttribute('href')) ?? '');
  const link = `${href.pathname}${href.search}`;
  await page.goto(link);
  await expect(page).toHaveURL('/dashboard');
  await expect(page.getByTestId('visit-count')).toBeVisible();

  // used: another browser gets "no longer works"
  const late = await anotherBrowser(browser, baseURL);
  await late.page.goto(link);
  await expect(late.page.getByRole('heading', { name: 'This link no longer works' })).toBeVisible();
  await late.context.close();

  // a new link, asked for here, opened by three other browsers: each is asked first
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.goto('/sign-in-link');
  await page.getByLabel('Username or email address').fill(email);
  await page.getByRole('button', { name: 'Send me a link' }).click();
  await expect(page.getByRole('heading', { name: 'Check your email' })).toBeVisible();
  const fresh = await anotherBrowser(browser, baseURL);
  const second = await mailCatcherPage.mail(email, SUBJECT);
  const secondHref = new URL((await second.getByRole('link', { name: /\/sign-in-link\/open\?token=/ }).getAttribute('href')) ?? '');
  const secondLink = `${secondHref.pathname}${secondHref.search}`;
  expect(secondLink).not.toBe(link);
  const others = [fresh, await anotherBrowser(browser, baseURL), await anotherBrowser(browser, baseURL)];
  for (const other of others) {
    await other.page.goto(secondLink);
    await expect(other.page.getByRole('heading', { name: 'Sign in on this device?' })).toBeVisible();
  }
  await Promise.all(others.map((other) => other.page.getByRole('button', { name: `Sign in as ${newUser.username}` }).click()));
  // each lands on the dashboard or on "no longer works": exactly one on the dashboard
  const outcome = (other: (typeof others)[number]) =>
    other.page.getByTestId('visit-count').or(other.page.getByRole('heading', { name: 'This link no longer works' }));
  for (const other of others) await expect(outcome(other)).toBeVisible();
  const landed = others.map((other) => new URL(other.page.url()).pathname);
  expect(landed.sort()).toEqual(['/dashboard', '/sign-in-link/open', '/sign-in-link/open']);
  for (const other of others) await other.context.close();
});
