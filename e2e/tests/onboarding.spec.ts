import { type Page } from '@playwright/test';
import { test, expect, shot, signIn } from './helpers';

/** Starts (or resumes) onboarding for an existing tenant and saves its simulated connection. */
async function onboardExisting(page: Page, tenant: string, scenario: string): Promise<void> {
  await page.goto('/admin/onboarding');
  await page.getByLabel('Workspace').selectOption('contoso-msp');
  await page.getByLabel('Existing tenant').selectOption(tenant);
  await page.getByRole('button', { name: 'Start onboarding' }).click();
  await expect(page).toHaveURL(/\/admin\/onboarding\/\d+/);
  const connect = page.getByTestId('onboarding-connect');
  if (await connect.isVisible()) {
    await page.getByLabel('Provider', { exact: true }).selectOption('simulated');
    await page.getByLabel('Simulated scenario').selectOption(scenario);
    // Wait for the save's answer and the page it leads to: the readiness panel below is on the
    // connect page too, so without this a slow save can still be in flight when the verify
    // step starts, and its answer be taken for the verify POST's.
    await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && r.url().includes('/admin/onboarding/')),
      page.getByRole('button', { name: 'Save connection and continue' }).click(),
    ]);
    await page.waitForLoadState();
    await expect(connect).toHaveCount(0);
  }
  await expect(page.getByTestId('onboarding-readiness')).toBeVisible();
}

/** Runs verification from the wizard and waits (the page refreshes itself) for the result. */
async function runVerification(page: Page): Promise<void> {
  const next = page.getByTestId('primary-next-action');
  await expect(next).toHaveText('Run verification');
  // Wait for the POST's answer, so the checks below read the page it leads to, not the one
  // before the click (on a slow machine the old page would satisfy them).
  await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && r.url().includes('/admin/onboarding/')),
    next.click(),
  ]);
  await page.waitForLoadState();
  await expect(page.getByTestId('stored-verification-details')).toBeVisible({ timeout: 20_000 });
  await expect(page.getByTestId('verification-running')).toHaveCount(0);
}

test('fabrikam: verification from the wizard puts Grant admin consent first', async ({ page }) => {
  await signIn(page, 'owner@contoso.test');
  await onboardExisting(page, 'fabrikam', 'consent_missing');
  await runVerification(page);

  const readiness = page.getByTestId('onboarding-readiness');
  await expect(readiness).toContainText('Step');
  await expect(readiness).not.toContainText('Current checkpoint');
  await expect(page.getByTestId('onboarding-step')).toHaveText('Verify access');
  await expect(page.getByTestId('primary-next-action')).toHaveText('Grant admin consent');
  // "Safe next action" once per page: the help card beside readiness says it.
  await expect(page.getByTestId('help-safe-next-action')).toContainText('Grant admin consent and re-run verification.');
  await expect(page.getByText('Safe next action')).toHaveCount(1);
  await expect(page.getByTestId('rerun-verification')).toHaveText('Re-run verification');
  await expect(page.getByRole('heading', { name: 'Stored verification details', exact: true })).toHaveCount(1);
  await expect(page.getByTestId('permission-diagnostics')).toHaveCount(0);
  const evidence = page.getByTestId('supporting-evidence');
  await expect(evidence).toBeVisible();
  await evidence.getByText('View required permissions').click();
  await expect(evidence.locator('#required-permissions li').first()).toBeVisible();
  await page.screenshot({ path: shot('onboarding-fabrikam-consent.png'), fullPage: true });
});

test('contoso: a verified tenant is ready to complete', async ({ page }) => {
  await signIn(page, 'owner@contoso.test');
  await onboardExisting(page, 'contoso', 'healthy');
  await runVerification(page);
  await expect(page.getByTestId('verification-status')).toContainText('Ready');
  await expect(page.getByTestId('primary-next-action')).toHaveText('Complete onboarding');
  await expect(page.getByTestId('permission-diagnostics')).toHaveCount(0);
  await page.screenshot({ path: shot('onboarding-contoso-ready.png'), fullPage: true });
  await page.getByTestId('primary-next-action').click();
  await expect(page.getByTestId('onboarding-completed')).toBeVisible();
});
