import { type Page } from '@playwright/test';
import { test, expect, signIn, watch } from './helpers';

/** Where the screenshots of this area go (looked at by the engineer, outside the repository). */
const SHOTS = '/work/notes/shots';

/** The dashboard's primary action when it opens the tenant's consent flow. */
const GRANT = '[data-testid="primary-action"][data-action="admin_consent_primary"]';

/** From the fleet list to fabrikam's dashboard, then its primary action "Grant admin consent". */
async function openConsentFromDashboard(page: Page): Promise<void> {
  await page.goto('/admin/w/contoso-msp');
  await page.getByRole('link', { name: 'Fabrikam Inc' }).first().click();
  await expect(page).toHaveURL(/\/admin\/t\/fabrikam$/);
  await expect(page.getByTestId('dominant-issue')).toContainText('Admin consent');
  await expect(page.locator(GRANT)).toHaveText('Grant admin consent');
  await page.locator(GRANT).click();
  await expect(page).toHaveURL(/\/admin\/t\/fabrikam\/consent$/);
  await expect(page.getByRole('heading', { name: 'Grant admin consent', level: 1 })).toBeVisible();
  await expect(page.getByTestId('consent-permissions')).toContainText('Directory.Read.All');
}

test('fabrikam: Grant admin consent on the simulated authority leads to a Ready verdict', async ({ page }) => {
  await signIn(page, 'owner@contoso.test');
  await openConsentFromDashboard(page);
  await page.screenshot({ path: `${SHOTS}/consent-1-page.png`, fullPage: true });

  await page.getByTestId('consent-grant').click();
  await expect(page).toHaveURL(/\/simulated-authority\/fabrikam\.onmicrosoft\.com\/v2\.0\/adminconsent\?/);
  await expect(page.getByTestId('simulated-authority')).toContainText('Policy.Read.All');
  await page.screenshot({ path: `${SHOTS}/consent-2-authority.png`, fullPage: true });

  await page.getByTestId('simulated-accept').click();
  await expect(page).toHaveURL(/\/admin\/t\/fabrikam\/consent\/requests\/\d+$/);
  await expect(page.getByTestId('consent-result')).toContainText('Admin consent granted — verification queued');
  await page.screenshot({ path: `${SHOTS}/consent-3-result.png`, fullPage: true });

  // The server's own executor runs the queued verification.
  await page.getByTestId('consent-result-run').click();
  await expect(page.getByTestId('run-state')).toHaveText('Succeeded', { timeout: 20_000 });
  await page.screenshot({ path: `${SHOTS}/consent-4-run.png`, fullPage: true });

  await page.goto('/admin/t/fabrikam');
  await expect(page.getByTestId('verification-state')).toContainText('Ready');
  await expect(page.getByTestId('provider-consent')).toHaveText('Granted');
  await expect(page.locator(GRANT)).toHaveCount(0);
  await page.screenshot({ path: `${SHOTS}/consent-5-dashboard-ready.png`, fullPage: true });
});

test('fabrikam: a link for the administrator, declined, puts consent back to required', async ({ page, browser }) => {
  await signIn(page, 'owner@contoso.test');
  await page.goto('/admin/t/fabrikam/consent');
  await page.getByTestId('consent-create-link').click();
  const link = page.getByTestId('consent-link-url');
  await expect(link).toHaveAttribute('readonly', '');
  await expect(page.getByTestId('consent-link-expires')).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/consent-6-link.png`, fullPage: true });
  const url = await link.inputValue();

  // The customer's administrator is not our user: a fresh browser with no session.
  const customer = await browser.newContext();
  const admin = watch(await customer.newPage());
  await admin.goto(url);
  await admin.getByTestId('simulated-cancel').click();
  await expect(admin).toHaveURL(/\/admin\/consent\/done\?outcome=denied$/);
  await expect(admin.getByTestId('consent-public')).toContainText('You declined admin consent');
  await expect(admin.locator('body')).not.toContainText('Fabrikam');
  await admin.screenshot({ path: `${SHOTS}/consent-7-customer-declined.png`, fullPage: true });
  await customer.close();

  // The engineer sees the answer, and a new verification finds consent required again
  // (which also leaves the demo tenant as the other suites expect it).
  await page.goto('/admin/t/fabrikam/consent');
  await expect(page.getByTestId('consent-requests')).toContainText('Declined');
  await expect(page.getByTestId('consent-current')).toHaveText('Missing');
  await page.goto('/admin/t/fabrikam');
  await page.getByTestId('start-provider.connection.verify').click();
  await expect(page.getByTestId('run-state')).toHaveText('Failed', { timeout: 20_000 });
  await page.goto('/admin/t/fabrikam');
  await expect(page.getByTestId('dominant-issue')).toContainText('Admin consent');
  await expect(page.locator(GRANT)).toBeVisible();
});
