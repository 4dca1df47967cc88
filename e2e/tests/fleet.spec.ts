import { type Page } from '@playwright/test';
import { expect, test, signIn } from './helpers';

/** Where the fleet screenshots go for review (outside the repository). */
const SHOTS = process.env.FLEET_SHOTS || '/work/notes/shots';

/** `data-tenant` of each fleet row, in page order. */
async function order(page: Page): Promise<string[]> {
  return page.getByTestId('fleet-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-tenant') || ''));
}

test('the fleet lists fabrikam blocked first, filters by verdict and searches', async ({ page }) => {
  await signIn(page, 'owner@contoso.test');
  await page.goto('/admin/w/contoso-msp');

  const rows = page.getByTestId('fleet-row');
  expect(await order(page)).toEqual(['fabrikam', 'contoso']);
  await expect(rows.nth(0).locator('.verdict-pill')).toHaveText('Blocked');
  await expect(rows.nth(0).locator('.verdict-pill')).toHaveClass(/verdict-blocked/);
  await expect(rows.nth(1).locator('.verdict-pill')).toHaveText('Ready');
  await expect(rows.nth(1).locator('time')).toHaveAttribute('title', /UTC$/);
  await expect(page.getByTestId('fleet-total')).toHaveText('2 tenants');
  await expect(page.getByTestId('fleet-count-blocked')).toHaveText('1');
  await page.screenshot({ path: `${SHOTS}/fleet-desktop.png`, fullPage: true });

  // Filter Ready with the form (no JavaScript needed: a GET form).
  await page.getByLabel('Verdict', { exact: true }).selectOption('ready');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/verdict=ready/);
  expect(await order(page)).toEqual(['contoso']);
  await expect(page.getByLabel('Verdict', { exact: true })).toHaveValue('ready');

  // Search "fabri" across every verdict.
  await page.getByLabel('Verdict', { exact: true }).selectOption('');
  await page.getByLabel('Name or directory id').fill('fabri');
  await page.getByRole('button', { name: 'Apply' }).click();
  expect(await order(page)).toEqual(['fabrikam']);
  await expect(page.getByLabel('Name or directory id')).toHaveValue('fabri');
  await page.screenshot({ path: `${SHOTS}/fleet-search.png`, fullPage: true });

  // A count chip filters on its verdict.
  await page.getByRole('link', { name: 'Reset' }).click();
  await page.getByTestId('fleet-counts').locator('a[data-verdict="blocked"]').click();
  expect(await order(page)).toEqual(['fabrikam']);

  // The failed-runs number opens the operations list filtered on the tenant.
  await page.goto('/admin/w/contoso-msp');
  await rows.nth(0).getByTestId('fleet-failed').click();
  await expect(page).toHaveURL(/\/admin\/operations\?tenant=fabrikam&outcome=failed/);
});

test.describe('phone', () => {
  test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

  test('the fleet has no sideways scroll at 390 px; the table scrolls in its own region', async ({ page }) => {
    await signIn(page, 'owner@contoso.test');
    await page.goto('/admin/w/contoso-msp');
    expect(await order(page)).toEqual(['fabrikam', 'contoso']);
    const region = page.getByRole('region', { name: 'Managed tenants, scrollable' });
    await expect(region).toHaveAttribute('tabindex', '0');
    const { scrollWidth, innerWidth } = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      innerWidth: window.innerWidth,
    }));
    await page.screenshot({ path: `${SHOTS}/fleet-phone.png`, fullPage: true });
    expect(scrollWidth).toBeLessThanOrEqual(innerWidth + 1);
  });
});
