// Journey 25: security alerts and "This wasn't me". Someone with the password
// signs in from a browser the account has never seen and adds a passkey of
// their own; the owner gets a mail for each, and the "This wasn't me" link of
// the sign-in's mail signs the intruder out, mails a reset link and lists the
// passkeys. The intruder's passkey still signs in until the owner removes it
// there; the removal signs everyone out again, and the passkey is dead. The
// owner chooses a new password with the mailed link, and the account's
// activity tells their own browser's events from the intruder's.
// At http://localhost:<port>: passkeys need a domain name (see localhostURL).
import { expect, passkeyTest as test } from './fixtures.js';
import { DashboardPage } from './pages/dashboard-page.js';
import { LoginPage } from './pages/login-page.js';
import { registerWithConfirmedAddress } from './pages/mail-pages.js';
import { AddPasskeyPage } from './pages/passkey-pages.js';

const address = (username: string) => `${username.toLowerCase()}@example.test`;

test('journey 25: "This wasn\'t me" from a new-sign-in alert signs the intruder out, and their passkey is removed for good', async ({
  page,
  newUser,
  registerPage,
  loginPage,
  dashboardPage,
  resetPasswordPage,
  activityPage,
  mailCatcherPage,
  notMePage,
  notMeReviewPage,
  newPasskeyBrowser,
}) => {
  const email = address(newUser.username);
  // the owner: an account with a confirmed address, made in this browser
  await registerWithConfirmedAddress(registerPage, mailCatcherPage, newUser, email);

  // the intruder: the password, in a browser that never signed in to the account
  const intruder = await newPasskeyBrowser();
  const there = intruder.page;
  // no passkey autofill there: back on the login page it would sign in again
  // at once, on its own; the intruder signs in with the button, when the test says
  await there.addInitScript(() => {
    PublicKeyCredential.isConditionalMediationAvailable = () => Promise.resolve(false);
  });
  const intruderLogin = new LoginPage(there);
  await intruderLogin.goto();
  await intruderLogin.login(newUser.username, newUser.password);
  await expect(there).toHaveURL('/dashboard');
  // sudo mode is fresh right after a login: no prompt before the passkey
  const addPasskey = new AddPasskeyPage(there);
  await addPasskey.goto();
  await addPasskey.addPasskey('Not the owner');
  await expect(there).toHaveURL('/account/passkeys?done=added');
  expect(await intruder.virtualAuthenticator.credentials()).toHaveLength(1);
  await there.goto('/dashboard');
  await expect(new DashboardPage(there).heading).toHaveText(`Hello, ${newUser.username}`);

  // the owner's mail: one alert per thing done, each with "This wasn't me"
  const signInAlert = await mailCatcherPage.mail(email, 'A new sign-in to your Cloakroom account');
  await expect(signInAlert).toContainText('from a browser that had not signed in to it before');
  await expect(signInAlert.getByRole('link', { name: /\/not-me\?token=/ })).toBeVisible();
  const passkeyAlert = await mailCatcherPage.mail(email, 'A passkey was added to your Cloakroom account');
  await expect(passkeyAlert).toContainText('A passkey named "Not the owner" signs in on its own');
  // registering signed this browser in first, while the address was unconfirmed: that sign-in mailed nobody
  await expect(page.getByRole('article').filter({ hasText: email }).filter({ has: page.getByRole('heading', { name: 'A new sign-in to your Cloakroom account' }) })).toHaveCount(1);

  const notMeLink = new URL((await signInAlert.getByRole('link', { name: /\/not-me\?token=/ }).getAttribute('href')) ?? '');
  await mailCatcherPage.follow(email, 'A new sign-in to your Cloakroom account', '/not-me');
  await expect(notMePage.heading).toBeVisible();
  await notMePage.secure.click();
  await expect(page).toHaveURL('/not-me/review');
  await expect(notMeReviewPage.signedOut).toContainText(`Every session of ${newUser.username} has been signed out`);
  await expect(notMeReviewPage.signedOut).toContainText('A link to choose a new password is on its way');
  await expect(notMeReviewPage.twoFactor).toHaveText('Two-factor login is off.');
  await expect(notMeReviewPage.passkey('Not the owner')).toContainText(/Last used\s*never/);

  // the intruder is signed out...
  await there.reload();
  await expect(there).toHaveURL('/login?next=/dashboard');
  // ...but a passkey signs in without the password: it works until it is removed. And the
  // account forgot the browsers it knew, so that sign-in is mailed about as a new one
  await intruderLogin.passkey.click();
  await expect(there).toHaveURL('/dashboard');
  await expect(async () => {
    // the mail goes out just after the response: the inbox is read again until it is there
    await mailCatcherPage.goto();
    const newSignIns = page.getByRole('article').filter({ hasText: email }).filter({ has: page.getByRole('heading', { name: 'A new sign-in to your Cloakroom account' }) });
    await expect(newSignIns).toHaveCount(2, { timeout: 1000 });
  }).toPass();
  await page.goto('/not-me/review');

  // the owner removes it from the review page: every session ends again
  await notMeReviewPage.remove('Not the owner');
  await expect(page).toHaveURL('/not-me/review?done=removed');
  await expect(notMeReviewPage.done).toContainText('The passkey has been removed');
  await expect(notMeReviewPage.passkeys).toHaveCount(0);
  await expect(notMeReviewPage.noPasskeys).toBeVisible();
  await there.reload();
  await expect(there).toHaveURL('/login?next=/dashboard');

  // the intruder's browser still holds the passkey and offers it; the site no longer knows it
  expect(await intruder.virtualAuthenticator.credentials()).toHaveLength(1);
  await intruderLogin.passkey.click();
  await expect(there).toHaveURL('/login/passkey');
  await expect(intruderLogin.error).toContainText('That passkey did not sign you in');
  await there.goto('/dashboard');
  await expect(there).toHaveURL('/login?next=/dashboard');
  // the link was used up by the button
  await page.goto(`${notMeLink.pathname}${notMeLink.search}`);
  await expect(notMePage.linkGone).toBeVisible();

  // the owner: a new password through the mailed link, then signs in again
  await mailCatcherPage.follow(email, 'Choose a new Cloakroom password', '/reset-password');
  await expect(resetPasswordPage.heading).toBeVisible();
  const newPassword = 'a passphrase chosen after an intruder';
  await resetPasswordPage.choose(newPassword);
  await expect(page).toHaveURL('/login?notice=password-reset');
  await loginPage.login(newUser.username, newPassword);
  await expect(page).toHaveURL('/dashboard');
  await expect(dashboardPage.heading).toHaveText(`Hello, ${newUser.username}`);

  // the account's activity: this browser's own events marked, the intruder's not
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Activity' }).click();
  await expect(activityPage.heading).toBeVisible();
  await expect(activityPage.fromElsewhere('Signed in with a password, from a browser not seen before')).toHaveCount(1);
  await expect(activityPage.fromElsewhere('Passkey “Not the owner” added')).toHaveCount(1);
  await expect(activityPage.fromElsewhere('Signed in with a passkey')).toHaveCount(1);
  await expect(activityPage.fromThisBrowser('“This wasn’t me” used')).toHaveCount(1);
  await expect(activityPage.fromThisBrowser('signed out (“This wasn’t me”)')).toHaveCount(1);
  await expect(activityPage.fromThisBrowser('Passkey “Not the owner” removed')).toHaveCount(1);
  await expect(activityPage.fromThisBrowser('Password reset through a link sent by email')).toHaveCount(1);
  // registering was this browser's first sign-in...
  await expect(activityPage.fromThisBrowser('Signed in with a password, from a browser not seen before')).toHaveCount(1);
  // ...and the one just now, newest, is from a browser the account knows
  const latest = activityPage.events.first();
  await expect(latest).toContainText('Signed in with a password');
  await expect(latest).not.toContainText('not seen before');
  await expect(latest.filter({ has: activityPage.thisBrowserBadge })).toHaveCount(1);
});
