import { readFile } from 'node:fs/promises';
import { DEMO_PASSWORD, expect, test, signIn } from './helpers';

/** Today in UTC as YYYY-MM-DD: the demo data is seeded when the test server starts. */
function todayUtc(): string {
  return new Date().toISOString().slice(0, 10);
}

test.describe('audit log filters and CSV export', () => {
  test('owner filters the log, follows a target link and downloads the filtered CSV', async ({ page }) => {
    await signIn(page, 'owner@contoso.test');
    await page.goto('/admin/w/contoso-msp/audit');
    const today = todayUtc();
    await page.getByLabel('Action', { exact: true }).selectOption({ label: 'Tenant added' });
    await page.getByLabel('Tenant', { exact: true }).selectOption('fabrikam');
    await page.getByLabel('Actor', { exact: true }).selectOption({ label: 'Command line' });
    await page.getByLabel('From', { exact: true }).fill(today);
    await page.getByLabel('To', { exact: true }).fill(today);
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect(page).toHaveURL(/action=tenant\.created/);
    await expect(page).toHaveURL(/actor=cli/);
    await expect(page).toHaveURL(new RegExp(`from=${today}&to=${today}`));

    // The demo seed (run by the CLI) added fabrikam: exactly that row, in words, with a link.
    const table = page.getByTestId('audit-table');
    await expect(table.locator('tbody tr')).toHaveCount(1);
    await expect(table).toContainText('Tenant added');
    await expect(table).toContainText('Command line');
    const target = table.getByTestId('audit-target-link');
    await expect(target).toHaveAttribute('href', '/admin/t/fabrikam');

    // The export link keeps the filters and names the cap.
    const exportBlock = page.getByTestId('audit-export');
    await expect(exportBlock).toContainText('at most 10,000 rows');
    const link = exportBlock.getByRole('link', { name: 'Download as CSV' });
    await expect(link).toHaveAttribute('href', /audit\.csv\?action=tenant\.created&tenant=fabrikam&actor=cli/);

    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toMatch(/^audit-contoso-msp-\d{4}-\d{2}-\d{2}\.csv$/);
    const file = await download.path();
    const text = await readFile(file, 'utf8');
    const lines = text.split('\r\n');
    expect(lines[0]).toBe('time,actor,action,action_label,tenant,target_type,target_id,request_id,metadata');
    expect(lines).toHaveLength(3); // header, the one row, and the empty string after the last CRLF
    expect(lines[2]).toBe('');
    expect(lines[1]).toMatch(
      new RegExp(`^${today}T\\d{2}:\\d{2}:\\d{2}Z,cli,tenant\\.created,Tenant added,fabrikam,tenant,fabrikam,,`),
    );
    expect(lines[1]).toContain('Fabrikam Inc');

    // The link leads to the tenant's page.
    await target.click();
    await expect(page).toHaveURL(/\/admin\/t\/fabrikam$/);

    // The export itself is in the log now, in words.
    await page.goto('/admin/w/contoso-msp/audit?action=audit.exported');
    await expect(page.getByTestId('audit-table')).toContainText('Audit log exported');
  });

  test('a date that is none or a range backwards is explained on the page', async ({ page }) => {
    await signIn(page, 'owner@contoso.test');
    await page.goto('/admin/w/contoso-msp/audit?from=2026-13-01');
    await expect(page.getByTestId('audit-filter-errors')).toContainText('Enter the date as YYYY-MM-DD');
    await expect(page.getByTestId('audit-table')).toHaveCount(0);
    await page.goto('/admin/w/contoso-msp/audit?from=2026-12-02&to=2026-12-01');
    await expect(page.getByTestId('audit-filter-errors')).toContainText('The “to” date is before the “from” date');
    await expect(page.getByLabel('To', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  });
});

test.describe('audit log in German', () => {
  test.use({ locale: 'de-DE' });

  test('the filters and the date message are German', async ({ page }) => {
    await page.goto('/login');
    await page.getByLabel('E-Mail-Adresse').fill('owner@contoso.test');
    await page.getByLabel('Passwort').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Anmelden' }).click();
    await expect(page).not.toHaveURL(/\/login(\?|$)/);
    await page.goto('/admin/w/contoso-msp/audit?from=2026-13-01');
    await expect(page.getByTestId('audit-filter-errors')).toContainText('Geben Sie das Datum als JJJJ-MM-TT ein');
    await expect(page.getByLabel('Von', { exact: true })).toHaveAttribute('aria-invalid', 'true');
    await page.goto('/admin/w/contoso-msp/audit');
    await expect(page.getByLabel('Akteur', { exact: true }).locator('option', { hasText: 'Befehlszeile' })).toHaveCount(1);
    await expect(page.getByTestId('audit-export')).toContainText('höchstens 10.000 Zeilen');
  });
});
