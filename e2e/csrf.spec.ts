// Journey 9: a page on another origin posts forms to Cloakroom. The browser
// sends the session cookie along (same host, so same site); Cloakroom refuses.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from './fixtures.js';

let server: http.Server;
let evilOrigin: string;

function evilPage(target: string, fields: Record<string, string>): string {
  const inputs = Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${value}">`)
    .join('');
  return `<!doctype html><title>Win a prize</title><form method="post" action="${target}">${inputs}<button>Claim your prize</button></form>`;
}

test.beforeAll(async ({ baseURL }) => {
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const fields = Object.fromEntries(url.searchParams);
    res.setHeader('content-type', 'text/html');
    res.end(evilPage(`${baseURL ?? ''}${url.pathname}`, fields));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  evilOrigin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

test.afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

test('a login form posted from another origin is refused', async ({ page, registeredUser }) => {
  // login CSRF: the attacker would log the victim in to the attacker's account
  await page.goto(`${evilOrigin}/login?username=${registeredUser.username}&password=${encodeURIComponent(registeredUser.password)}&_csrf=guess`);
  const response = page.waitForResponse((res) => res.url().endsWith('/login') && res.request().method() === 'POST');
  await page.getByRole('button', { name: 'Claim your prize' }).click();
  expect((await response).status()).toBe(403);
  await expect(page.getByRole('heading', { name: 'This form was sent from another site' })).toBeVisible();
  await page.goto('/dashboard');
  await expect(page).toHaveURL('/login?next=/dashboard');
});

test('a logout form posted from another origin is refused', async ({ page, dashboardPage, loggedInUser }) => {
  await dashboardPage.goto();
  // even with the real token: the same-origin check stops it first
  const token = await page.locator('input[name="_csrf"]').first().inputValue();

  await page.goto(`${evilOrigin}/logout?_csrf=${token}`);
  const response = page.waitForResponse((res) => res.url().endsWith('/logout'));
  await page.getByRole('button', { name: 'Claim your prize' }).click();
  expect((await response).status()).toBe(403);

  await page.goto('/dashboard');
  await expect(dashboardPage.heading).toHaveText(`Hello, ${loggedInUser.username}`);
});
