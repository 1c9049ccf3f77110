// Journey 21: add a passkey (Chromium's virtual authenticator), log out, and
// sign in with it from the login page: through the username field's autofill,
// and with the "Sign in with a passkey" button in a browser without passkey
// autofill; the list shows when it was last used.
// Journey 22: confirm it is you with the passkey (sudo mode's confirm page),
// rename it, remove it: it no longer signs in, and the password still does.
// Both at http://localhost:<port>: passkeys need a domain name (see localhostURL).
import { expect, passkeyTest as test } from './fixtures.js';

test('journey 21: add a passkey, log out, and sign in with it', async ({
  page,
  loggedInUser,
  addPasskeyPage,
  passkeysPage,
  loginPage,
  dashboardPage,
  virtualAuthenticator,
}) => {
  await passkeysPage.goto();
  await expect(passkeysPage.rows).toHaveCount(0);
  await passkeysPage.add.click();
  await expect(page).toHaveURL('/account/passkeys/new');
  await addPasskeyPage.addPasskey('Test laptop');

  await expect(page).toHaveURL('/account/passkeys?done=added');
  await expect(passkeysPage.status).toContainText('Your passkey has been added');
  await expect(passkeysPage.row('Test laptop')).toContainText(/Last used\s*never/);
  const [credential] = await virtualAuthenticator.credentials();
  expect(credential?.isResidentCredential, 'a discoverable passkey: it signs in without a username').toBe(true);

  // the autofill (conditional mediation): the virtual authenticator answers
  // at once, as a person picking the passkey from the username field's list
  await dashboardPage.logout();
  await expect(page).toHaveURL(/notice=signed-out/);
  await loginPage.goto();
  await expect(page).toHaveURL('/dashboard');
  await expect(dashboardPage.heading).toContainText(loggedInUser.username);

  // the button, in a browser that cannot offer passkeys in autofill
  await page.addInitScript(() => {
    PublicKeyCredential.isConditionalMediationAvailable = () => Promise.resolve(false);
  });
  await dashboardPage.logout();
  await expect(page).toHaveURL(/notice=signed-out/);
  await loginPage.goto();
  await expect(loginPage.heading).toBeVisible();
  await loginPage.passkey.click();
  await expect(page).toHaveURL('/dashboard');
  await expect(dashboardPage.heading).toContainText(loggedInUser.username);

  // the button clicked before the page's passkey options have arrived (a
  // slow network, a busy server): it waits for them, never sends the form bare
  await dashboardPage.logout();
  await expect(page).toHaveURL(/notice=signed-out/);
  await page.route('**/login/passkey', async (route) => {
    if (route.request().method() === 'GET') await new Promise((resolve) => setTimeout(resolve, 1500));
    await route.continue();
  });
  await loginPage.goto();
  await loginPage.passkey.click();
  await expect(page).toHaveURL('/dashboard');
  await page.unroute('**/login/passkey');

  await passkeysPage.goto();
  await expect(passkeysPage.row('Test laptop')).toContainText(/Last used\s*\d{4}-\d\d-\d\d/);
  // a counter that grows with every signature: what lets the server notice a cloned authenticator
  expect((await virtualAuthenticator.credentials())[0]?.signCount).toBeGreaterThanOrEqual(2);
});

test('journey 22: rename and remove a passkey; a removed one no longer signs in', async ({
  page,
  loggedInUser,
  addPasskeyPage,
  passkeysPage,
  loginPage,
  dashboardPage,
  virtualAuthenticator,
}) => {
  await addPasskeyPage.goto();
  await addPasskeyPage.addPasskey('Old name');
  await expect(passkeysPage.row('Old name')).toBeVisible();

  // sudo mode's one prompt, answered with the passkey instead of the password
  await page.goto('/account/confirm?next=/account/passkeys');
  await page.getByRole('button', { name: 'Use a passkey instead' }).click();
  await expect(page).toHaveURL('/account/passkeys');

  await passkeysPage.rename('Old name', 'Work phone');
  await expect(passkeysPage.status).toContainText('renamed');
  await expect(passkeysPage.row('Work phone')).toBeVisible();
  await expect(passkeysPage.row('Old name')).toHaveCount(0);

  await passkeysPage.remove('Work phone');
  await expect(passkeysPage.status).toContainText('removed');
  await expect(passkeysPage.rows).toHaveCount(0);

  // the browser still holds it and offers it; this site no longer knows it
  expect(await virtualAuthenticator.credentials()).toHaveLength(1);
  await dashboardPage.logout();
  await expect(page).toHaveURL(/notice=signed-out/);
  await loginPage.goto();
  await expect(page).toHaveURL('/login/passkey');
  await expect(loginPage.error).toContainText('That passkey did not sign you in');
  await loginPage.login(loggedInUser.username, loggedInUser.password);
  await expect(page).toHaveURL('/dashboard');
});
