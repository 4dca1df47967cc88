import { test, expect, signIn } from './helpers';

const SHOTS = '/work/notes/shots';

test('fabrikam: the dashboard leads with Blocked, Grant admin consent and its help', async ({ page }) => {
  await signIn(page, 'owner@contoso.test');
  await page.goto('/admin/t/fabrikam');
  const decision = page.getByTestId('dashboard-decision');
  await expect(decision.getByTestId('dashboard-verdict')).toHaveText('Blocked');
  await expect(decision.getByTestId('dominant-issue')).toHaveText('Admin consent required');
  const primary = decision.getByTestId('primary-action');
  await expect(primary).toHaveText('Grant admin consent');
  await expect(primary).toHaveAttribute('href', '/admin/t/fabrikam/consent');
  const help = page.getByTestId('contextual-help-block');
  await expect(help).toHaveAttribute('data-help-topic', 'admin-consent-required');
  await expect(page.getByText('Safe next action')).toHaveCount(1);
  // The sync says why before the click.
  await expect(page.getByTestId('start-inventory.sync')).toBeDisabled();
  await expect(page.getByTestId('start-inventory.sync-reason')).toHaveText('Needs admin consent — grant it first.');
  await expect(page.getByTestId('start-provider.connection.verify')).toBeEnabled();
  await expect(page.getByTestId('reports-link')).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/dashboard-fabrikam.png`, fullPage: true });
});

test('contoso: the dashboard says Ready with nothing blocking', async ({ page }) => {
  await signIn(page, 'owner@contoso.test');
  await page.goto('/admin/t/contoso');
  const decision = page.getByTestId('dashboard-decision');
  await expect(decision.getByTestId('dashboard-verdict')).toHaveText('Ready');
  await expect(decision.getByTestId('dominant-issue')).toHaveText('Nothing blocks this tenant.');
  await expect(decision.getByTestId('primary-action')).toHaveCount(0);
  await expect(page.getByTestId('contextual-help-block')).toHaveCount(0);
  await expect(page.getByTestId('start-inventory.sync')).toBeEnabled();
  await page.screenshot({ path: `${SHOTS}/dashboard-contoso.png`, fullPage: true });
});

test('read-only: disabled starts say which role they need, in words', async ({ page }) => {
  await signIn(page, 'readonly@contoso.test');
  await page.goto('/admin/t/contoso');
  await expect(page.getByTestId('start-inventory.sync')).toBeDisabled();
  await expect(page.getByTestId('start-inventory.sync-reason')).toHaveText('Needs the operator role — ask a workspace owner.');
  await expect(page.getByTestId('start-review_pack.generate-reason')).toHaveText('Needs the manager role — ask a workspace owner.');
  await page.screenshot({ path: `${SHOTS}/dashboard-contoso-readonly.png`, fullPage: true });
});

test('fabrikam: the permission view and a diagnostics preview with tenant actions', async ({ page }) => {
  await signIn(page, 'owner@contoso.test');
  await page.goto('/admin/t/fabrikam/permissions');
  await expect(page.getByTestId('permission-row')).toHaveCount(6);
  await expect(page.getByTestId('permissions-legend-unknown')).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/dashboard-fabrikam-permissions.png`, fullPage: true });
  await page.goto('/admin/t/fabrikam');
  await page.getByTestId('open-support-diagnostics').click();
  await expect(page).toHaveURL(/\/admin\/t\/fabrikam\/support-diagnostics\/\d+$/);
  const action = page.getByTestId('help-action-admin_consent_primary');
  await expect(action).toHaveAttribute('href', '/admin/t/fabrikam/consent');
  await page.screenshot({ path: `${SHOTS}/dashboard-fabrikam-diagnostics.png`, fullPage: true });
});
