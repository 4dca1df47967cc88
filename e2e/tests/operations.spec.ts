import { test, expect, shot, signIn } from './helpers';

test('start a verification from the dashboard and watch the run complete', async ({ page }) => {
  await signIn(page, 'operator@contoso.test');
  await page.goto('/admin/t/contoso');
  await expect(page.getByTestId('recent-runs')).toBeVisible();
  await page.getByTestId('start-provider.connection.verify').click();
  await expect(page).toHaveURL(/\/admin\/operations\/\d+$/);
  await expect(page.getByTestId('run-title')).toContainText('Verify provider connection');
  // The viewer refreshes itself until the background executor has finished the run.
  await expect(page.getByTestId('run-state')).toHaveText('Succeeded', { timeout: 20_000 });
  await expect(page.getByTestId('run-verification')).toContainText('Ready');
  await expect(page.getByTestId('run-counts')).toContainText('Permissions granted');
  await page.screenshot({ path: shot('run-viewer-verify.png'), fullPage: true });
});

test('operations list filters by tenant and outcome', async ({ page }) => {
  await signIn(page, 'owner@contoso.test');
  await page.goto('/admin/operations');
  await page.getByLabel('Tenant').selectOption('fabrikam');
  await page.getByLabel('Outcome').selectOption('failed');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(/tenant=fabrikam/);
  const table = page.getByTestId('operations-table');
  await expect(table).toContainText('Admin consent required');
  await expect(table).not.toContainText('Contoso Ltd');
  await table.getByRole('link').first().click();
  await expect(page.getByTestId('run-reason')).toContainText('admin_consent_required');
});

test('an owner generates a review pack and downloads the ZIP', async ({ page }) => {
  await signIn(page, 'owner@contoso.test');
  await page.goto('/admin/t/contoso/reports');
  await page.getByTestId('start-review_pack.generate').click();
  await expect(page).toHaveURL(/\/admin\/operations\/\d+$/);
  await expect(page.getByTestId('run-state')).toHaveText('Succeeded', { timeout: 20_000 });
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download review pack' }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^review-pack-contoso-.*\.zip$/);
});

test('an operator cannot generate reports and sees why', async ({ page }) => {
  await signIn(page, 'operator@contoso.test');
  await page.goto('/admin/t/contoso/reports');
  const button = page.getByTestId('start-review_pack.generate');
  await expect(button).toBeDisabled();
  await expect(page.getByTestId('start-review_pack.generate-reason')).toHaveText('Needs the manager role — ask a workspace owner.');
});
