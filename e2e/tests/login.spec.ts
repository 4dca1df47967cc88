import { test, expect, DEMO_PASSWORD, signIn } from './helpers';

test('login page is labelled and an owner lands on the workspace dashboard', async ({ page }) => {
  await page.goto('/login');
  await expect(page.getByLabel('E-mail address')).toBeVisible();
  await expect(page.getByLabel('Password')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();

  await page.getByLabel('E-mail address').fill('owner@contoso.test');
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();

  await expect(page).toHaveURL(/\/admin\/w\/contoso-msp$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Contoso MSP' })).toBeVisible();
  const list = page.getByTestId('tenant-list');
  await expect(list).toContainText('Contoso Ltd');
  await expect(list).toContainText('Fabrikam Inc');
});

test('wrong password shows an error and keeps the e-mail address', async ({ page }) => {
  await page.goto('/login');
  await page.getByLabel('E-mail address').fill('owner@contoso.test');
  await page.getByLabel('Password').fill('definitely-not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();

  await expect(page.getByRole('alert')).toHaveText('E-mail address or password is incorrect.');
  await expect(page.getByLabel('E-mail address')).toHaveValue('owner@contoso.test');
  await expect(page.getByLabel('Password')).toHaveValue('');
});

test('sign out returns to the login page with a notice', async ({ page }) => {
  await signIn(page, 'owner@contoso.test');
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();

  await expect(page).toHaveURL(/\/login(\?.*)?$/);
  await expect(page.getByText('You have been signed out.')).toBeVisible();
  // The session is really gone: the dashboard asks for a sign-in again.
  await page.goto('/admin/w/contoso-msp');
  await expect(page).toHaveURL(/\/login/);
});

test.describe('German browser', () => {
  test.use({ locale: 'de-DE' });

  test('login page is German', async ({ page }) => {
    await page.goto('/login');
    await expect(page.getByRole('heading', { level: 1, name: 'Bei TenantPilot anmelden' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Anmelden', exact: true })).toBeVisible();
    await expect(page.locator('html')).toHaveAttribute('lang', /^de/);
  });
});
