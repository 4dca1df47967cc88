import { test, expect, shot, signIn, switchTenant } from './helpers';

test('tenant switcher moves between tenants', async ({ page }) => {
  await signIn(page, 'owner@contoso.test');

  await switchTenant(page, 'Fabrikam Inc');
  await expect(page).toHaveURL(/\/admin\/t\/fabrikam$/);
  await expect(page.getByTestId('tenant-name')).toHaveText('Fabrikam Inc');
  await expect(page.getByTestId('provider-status')).toBeVisible();
  await page.screenshot({ path: shot('fabrikam-dashboard.png'), fullPage: true });

  await switchTenant(page, 'Contoso Ltd');
  await expect(page).toHaveURL(/\/admin\/t\/contoso$/);
  await expect(page.getByTestId('tenant-name')).toHaveText('Contoso Ltd');
  await expect(page.getByTestId('provider-status')).toBeVisible();
});

test("another workspace's tenant is a 404 indistinguishable from a missing one", async ({ page }) => {
  await signIn(page, 'owner@contoso.test');

  // Visible text of <main>, without the per-request id that every error page carries.
  const mainText = async () =>
    (await page.locator('main').innerText()).replace(/^.*\b[0-9A-Z]{26}\b.*$/gm, '').replace(/\s+/g, ' ').trim();

  const foreign = await page.goto('/admin/t/northwind');
  expect(foreign?.status()).toBe(404);
  await expect(page.getByRole('heading', { level: 1, name: 'Not found' })).toBeVisible();
  const foreignText = await mainText();

  const missing = await page.goto('/admin/t/does-not-exist');
  expect(missing?.status()).toBe(404);
  await expect(page.getByRole('heading', { level: 1, name: 'Not found' })).toBeVisible();
  const missingText = await mainText();

  expect(foreignText).not.toContain('Northwind');
  expect(missingText).toBe(foreignText);
});

test('read-only member sees only their tenant and no audit log', async ({ page }) => {
  await signIn(page, 'readonly@contoso.test');
  await page.goto('/admin/w/contoso-msp');

  const list = page.getByTestId('tenant-list');
  await expect(list).toContainText('Contoso Ltd');
  await expect(list).not.toContainText('Fabrikam');
  await expect(list.getByTestId('fleet-row')).toHaveCount(1);

  const audit = page.locator('nav span.disabled[aria-disabled="true"]', { hasText: 'Audit log' });
  await expect(audit).toBeVisible();
  await expect(page.locator('nav').getByRole('link', { name: 'Audit log' })).toHaveCount(0);

  const response = await page.goto('/admin/w/contoso-msp/audit');
  expect(response?.status()).toBe(403);
  await expect(page.getByRole('heading', { level: 1, name: 'Not allowed' })).toBeVisible();
});

test.describe('phone', () => {
  test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

  test('tenant dashboard has no horizontal scroll', async ({ page }) => {
    await signIn(page, 'owner@contoso.test');
    await page.goto('/admin/t/contoso');
    await expect(page.getByTestId('tenant-name')).toHaveText('Contoso Ltd');
    const { scrollWidth, innerWidth } = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      innerWidth: window.innerWidth,
    }));
    await page.screenshot({ path: shot('contoso-dashboard-phone.png'), fullPage: true });
    expect(scrollWidth).toBeLessThanOrEqual(innerWidth + 1);
  });
});
