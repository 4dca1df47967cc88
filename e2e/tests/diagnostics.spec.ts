import { test, expect, shot, signIn } from './helpers';

test("support diagnostics from fabrikam's dashboard show the admin-consent help", async ({ page }) => {
  await signIn(page, 'owner@contoso.test');
  await page.goto('/admin/t/fabrikam');
  await page.getByTestId('open-support-diagnostics').click();
  await expect(page).toHaveURL(/\/admin\/t\/fabrikam\/support-diagnostics\/\d+$/);
  await expect(page.getByTestId('diagnostics-dominant-issue')).toContainText('Admin consent required');
  const help = page.getByTestId('contextual-help-block');
  await expect(help).toHaveAttribute('data-help-topic', 'admin-consent-required');
  await expect(help).toContainText('Grant admin consent and re-run verification.');
  await expect(page.getByTestId('diagnostics-redaction')).toBeVisible();
  await expect(page.getByTestId('diagnostics-json')).not.toContainText('@contoso.test');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('diagnostics-download').click(),
  ]);
  expect(download.suggestedFilename()).toBe('support-diagnostics.json');
  await page.screenshot({ path: shot('diagnostics-fabrikam.png'), fullPage: true });
});

test('support diagnostics from a failed run live under More on the run viewer', async ({ page }) => {
  // (manager@ is switched to German by the account test; owner@ stays English.)
  await signIn(page, 'owner@contoso.test');
  await page.goto('/admin/operations?tenant=fabrikam&outcome=failed');
  await page.getByTestId('operations-table').getByRole('link').first().click();
  await expect(page.getByTestId('run-state')).toHaveText('Failed');
  await page.getByTestId('run-more').locator('summary').click();
  await page.getByTestId('open-support-diagnostics').click();
  await expect(page).toHaveURL(/\/admin\/operations\/\d+\/support-diagnostics\/\d+$/);
  await expect(page.getByTestId('contextual-help-block')).toHaveAttribute('data-help-topic', 'admin-consent-required');
});

test('an operator sees the diagnostics action disabled with the reason', async ({ page }) => {
  await signIn(page, 'operator@contoso.test');
  await page.goto('/admin/t/contoso');
  const button = page.getByTestId('open-support-diagnostics');
  await expect(button).toBeDisabled();
  // The reason is in words beside the button, never the capability id.
  await expect(page.getByTestId('support-actions')).toContainText('Needs the manager role — ask a workspace owner.');
  await expect(page.getByTestId('support-actions')).not.toContainText('support_diagnostics.view');
});
