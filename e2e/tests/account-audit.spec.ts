import { expect, test, signIn } from './helpers';

test.describe('account and audit log', () => {
  test('account form explains an empty name, keeps the input, then saves the language', async ({ page }) => {
    await signIn(page, 'manager@contoso.test');
    await page.goto('/account');
    await page.getByLabel('Display name').fill('   ');
    await page.getByLabel('Language').selectOption('de');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page.locator('#display_name-error')).toHaveText('This field is required.');
    await expect(page.getByLabel('Language')).toHaveValue('de');

    await page.getByLabel('Display name').fill('Max M.');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page.getByRole('status')).toHaveText('Ihre Einstellungen wurden gespeichert.');
    await expect(page.locator('html')).toHaveAttribute('lang', 'de');
    await expect(page.getByRole('button', { name: 'Abmelden', exact: true })).toBeVisible();
  });

  test('owner reads the audit log and filters it by tenant', async ({ page }) => {
    await signIn(page, 'owner@contoso.test');
    await page.getByRole('link', { name: 'Audit log' }).click();
    await expect(page).toHaveURL(/\/admin\/w\/contoso-msp\/audit/);
    const table = page.getByTestId('audit-table');
    await expect(table).toContainText('Workspace created');
    await expect(table).toContainText('Member added');
    await page.getByLabel('Tenant').selectOption('fabrikam');
    await page.getByLabel('Action').selectOption('tenant.created');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect(page).toHaveURL(/tenant=fabrikam/);
    await expect(table.locator('tbody tr')).toHaveCount(1);
    await expect(table).toContainText('Tenant added');
    await expect(table).toContainText('fabrikam');
  });
});
