// Journeys 2 and 3: form errors a person can see, and a screen reader hears.
import type { Locator } from '@playwright/test';
import { expect, test } from './fixtures.js';

async function expectFieldError(input: Locator, message: RegExp) {
  // visible next to the field...
  await expect(input.page().getByText(message)).toBeVisible();
  // ...and tied to it: announced with the field, which is marked invalid
  await expect(input).toHaveAttribute('aria-invalid', 'true');
  await expect(input).toHaveAccessibleDescription(message);
}

test('empty fields get a message each', async ({ registerPage }) => {
  await registerPage.goto();
  await registerPage.submit.click();
  await expectFieldError(registerPage.username, /Enter a username/);
  await expectFieldError(registerPage.password, /Enter a password/);
  await expectFieldError(registerPage.confirmPassword, /Confirm your password/);
});

test('a short password is refused and the username kept', async ({ registerPage, newUser }) => {
  await registerPage.goto();
  await registerPage.register(newUser.username, 'short');
  await expectFieldError(registerPage.password, /at least 8 characters/);
  await expect(registerPage.username).toHaveValue(newUser.username);
  await expect(registerPage.username).toHaveAttribute('aria-invalid', 'false');
});

test('a mismatched confirmation is refused', async ({ registerPage, newUser }) => {
  await registerPage.goto();
  await registerPage.register(newUser.username, newUser.password, `${newUser.password}!`);
  await expectFieldError(registerPage.confirmPassword, /Passwords do not match/);
  await expect(registerPage.username).toHaveValue(newUser.username);
});

test('a username taken in another letter case is refused', async ({ registerPage, registeredUser }) => {
  await registerPage.goto();
  const shouted = registeredUser.username.toUpperCase();
  await registerPage.register(shouted, 'another fine passphrase');
  await expectFieldError(registerPage.username, /already taken/);
  await expect(registerPage.username).toHaveValue(shouted);
});

test('a wrong password and an unknown user get the same message', async ({ page, loginPage, registeredUser }) => {
  const messages: string[] = [];
  for (const [username, password] of [
    [registeredUser.username, 'not the password'],
    [`${registeredUser.username}_nobody`, registeredUser.password],
  ] as const) {
    await loginPage.goto();
    await loginPage.login(username, password);
    await expect(loginPage.error).toBeVisible();
    messages.push((await loginPage.error.textContent()) ?? '');
    await expect(loginPage.username).toHaveValue(username);
    await expect(page).toHaveURL('/login');
  }
  expect(messages).toEqual(['Invalid username or password', 'Invalid username or password']);
});

test('username fields take the name as typed: no capital first letter, no spelling fixes', async ({ registerPage, loginPage }) => {
  for (const [form, username, autocomplete] of [
    [registerPage, registerPage.username, 'username'],
    // the login form's also offers passkeys in the browser's autofill (conditional mediation)
    [loginPage, loginPage.username, 'username webauthn'],
  ] as const) {
    await form.goto();
    await expect(username).toHaveAttribute('autocomplete', autocomplete);
    await expect(username).toHaveAttribute('autocapitalize', 'none');
    await expect(username).toHaveAttribute('spellcheck', 'false');
  }
});
