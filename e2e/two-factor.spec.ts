// Journeys 18, 19 and 20: two-factor login in the browser. Turn it on by
// reading the secret off the page (as a person types it into an app) and
// computing the code with otpauth; log in with password and code, the
// pending session between them anonymous; log in with a recovery code, once.
// And journey 17's two-factor experiment in the lab.
import { expect, test } from './fixtures.js';
import { totpCode } from './support/two-factor.js';

test('18: turning two-factor on takes one right code, shows ten recovery codes once, and never the secret again', async ({
  page,
  dashboardPage,
  twoFactorSettingsPage: settings,
  recoveryCodesPage,
  loggedInUser,
}) => {
  await dashboardPage.goto();
  await expect(dashboardPage.heading).toHaveText(`Hello, ${loggedInUser.username}`);
  await page.getByRole('link', { name: /Two-factor login/ }).first().click();
  await expect(settings.heading).toBeVisible();
  await expect(settings.qrCode).toBeVisible();
  const secret = (await settings.secret.textContent())?.trim() ?? '';
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);

  await settings.code.fill('000000' === totpCode(secret) ? '111111' : '000000');
  await settings.turnOn.click();
  await expect(page.locator('#code-error')).toContainText('That code is not right');
  await expect(settings.secret, 'the same secret after a wrong code').toHaveText(secret);

  await settings.code.fill(totpCode(secret));
  await settings.turnOn.click();
  await expect(recoveryCodesPage.heading).toBeVisible();
  await expect(recoveryCodesPage.codes).toHaveCount(10);
  await recoveryCodesPage.saved.click();
  await expect(settings.status).toHaveText('Two-factor login is on.');
  await expect(settings.recoveryCodesLeft).toContainText('10 of 10');
  await expect(settings.secret).toHaveCount(0);
  await expect(page.getByText(secret)).toHaveCount(0);
});

test('19: password, then code: halfway, every page treats you as logged out; the code logs you in', async ({
  page,
  loginPage,
  dashboardPage,
  twoFactorLoginPage,
  twoFactorUser,
}) => {
  await page.goto('/sessions');
  await expect(page).toHaveURL('/login?next=/sessions');
  await loginPage.login(twoFactorUser.username, twoFactorUser.password);
  await expect(page).toHaveURL('/login/two-factor');
  await expect(twoFactorLoginPage.heading).toBeVisible();
  await expect(page.getByText('Signed in as')).toHaveCount(0);

  // skipping the code page gets nowhere
  await page.goto('/dashboard');
  await expect(page).toHaveURL('/login?next=/dashboard');
  await page.goto('/login/two-factor');

  await twoFactorLoginPage.enter('000000' === totpCode(twoFactorUser.secret) ? '111111' : '000000');
  await expect(twoFactorLoginPage.error).toContainText('That code is not right');
  await twoFactorLoginPage.enter(totpCode(twoFactorUser.secret));
  // the login form's next came along
  await expect(page).toHaveURL('/sessions');
  await dashboardPage.goto();
  await expect(dashboardPage.heading).toHaveText(`Hello, ${twoFactorUser.username}`);
});

test('20: a recovery code logs in once', async ({ page, loginPage, dashboardPage, twoFactorLoginPage, twoFactorUser }) => {
  const [code = ''] = twoFactorUser.recoveryCodes;
  await loginPage.goto();
  await loginPage.login(twoFactorUser.username, twoFactorUser.password);
  await twoFactorLoginPage.enter(code);
  await expect(page).toHaveURL('/dashboard');
  await expect(dashboardPage.heading).toHaveText(`Hello, ${twoFactorUser.username}`);
  await page.goto('/account/two-factor');
  await expect(page.getByTestId('recovery-codes-left')).toContainText('9 of 10');

  await dashboardPage.logout();
  await loginPage.goto();
  await loginPage.login(twoFactorUser.username, twoFactorUser.password);
  await twoFactorLoginPage.enter(code);
  await expect(twoFactorLoginPage.error).toContainText('used already');
  await expect(page).toHaveURL('/login/two-factor');
});

test('17: the lab: skipping the code page reaches the dashboard the wrong way, not the right way', async ({ page, twoFactorShortcutPage: lab }) => {
  await lab.goto();
  await lab.wrongWay.click();
  await expect(page).toHaveURL('/lab/two-factor/code?way=wrong');
  await lab.skipTheCode.click();
  await expect(lab.result).toHaveText('This page knows you: welcome, lab visitor.');

  await lab.goto();
  await lab.rightWay.click();
  await lab.skipTheCode.click();
  await expect(lab.result).toHaveText('This page does not know you.');
  await page.goBack();
  await lab.code.fill('246810');
  await lab.checkCode.click();
  await expect(lab.result).toHaveText('This page knows you: welcome, lab visitor.');
});
