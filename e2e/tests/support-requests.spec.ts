import { test, expect, shot, signIn } from './helpers';

// scripts/server.mjs runs a fake webhook desk: every ticket is created (FD-<number>), except
// summaries containing "[desk-fail]", which it answers with 502.

test('tenant dashboard: request support and create an external ticket', async ({ page }) => {
  await signIn(page, 'owner@contoso.test');
  await page.goto('/admin/t/fabrikam');
  await page.getByTestId('support-actions').getByTestId('request-support').click();
  await expect(page).toHaveURL(/\/admin\/t\/fabrikam\/support-requests\/new$/);
  await expect(page.getByTestId('support-attachment')).toHaveAttribute('data-mode', 'diagnostic_snapshot_attached');
  await expect(page.getByLabel('Severity')).toHaveValue('normal');
  await page.getByLabel('Severity').selectOption('high');
  await page.getByLabel('Summary').fill('Admin consent was revoked at fabrikam');
  await page.getByLabel('Reproduction notes').fill('Open the dashboard, run verify.');
  await page.getByLabel('Contact e-mail').fill('it@fabrikam.example');
  await page.getByTestId('handoff-create_external_ticket').check();
  await page.getByTestId('submit-support-request').click();
  const result = page.getByTestId('support-result');
  await expect(result).toHaveAttribute('data-outcome', 'external_ticket_created');
  await expect(result).toContainText(/Reference SR-[0-9A-HJKMNP-TV-Z]{26}/);
  await expect(page.getByTestId('support-external-reference')).toHaveText(/^\d{4}$/);
  const reference = (await result.textContent())?.match(/SR-[0-9A-Z]{26}/)?.[0];
  // Reopening the form shows the latest handoff for this tenant.
  await page.goto('/admin/t/fabrikam/support-requests/new');
  await expect(page.getByTestId('support-latest-reference')).toHaveText(reference ?? 'missing');
  await expect(page.getByTestId('support-latest-external')).toHaveText(/^\d{4}$/);
  await page.screenshot({ path: shot('support-request-tenant-created.png'), fullPage: true });
});

test('run viewer: link an existing ticket from More', async ({ page }) => {
  await signIn(page, 'owner@contoso.test');
  await page.goto('/admin/operations?tenant=contoso');
  await page.getByTestId('operations-table').getByRole('link').first().click();
  await page.getByTestId('run-more').locator('summary').click();
  await page.getByTestId('run-more').getByTestId('request-support').click();
  await expect(page).toHaveURL(/\/admin\/operations\/\d+\/support-requests\/new$/);
  await page.getByLabel('Summary').fill('Sync looked incomplete');
  await page.getByTestId('handoff-link_existing_ticket').check();
  await page.getByLabel('External ticket reference').fill('PSA-4711');
  await page.getByLabel('External ticket URL').fill('https://psa.example/tickets/4711');
  await page.getByTestId('submit-support-request').click();
  await expect(page.getByTestId('support-result')).toHaveAttribute('data-outcome', 'external_ticket_linked');
  await expect(page.getByTestId('support-external-reference')).toHaveText('PSA-4711');
  await expect(page.getByTestId('support-external-reference').getByRole('link')).toHaveAttribute('href', 'https://psa.example/tickets/4711');
  await expect(page.getByTestId('support-latest-external')).toHaveText('PSA-4711');
});

test('run viewer: a failing desk keeps the request and shows the failure', async ({ page }) => {
  await signIn(page, 'owner@contoso.test');
  await page.goto('/admin/operations?tenant=fabrikam&outcome=failed');
  await page.getByTestId('operations-table').getByRole('link').first().click();
  const runUrl = page.url();
  await page.getByTestId('run-more').locator('summary').click();
  await page.getByTestId('run-more').getByTestId('request-support').click();
  await page.getByLabel('Summary').fill('[desk-fail] verification keeps failing');
  await page.getByTestId('handoff-create_external_ticket').check();
  await page.getByTestId('submit-support-request').click();
  const result = page.getByTestId('support-result');
  await expect(result).toHaveAttribute('data-outcome', 'external_handoff_failed');
  await expect(result).toHaveAttribute('role', 'alert');
  await expect(result).toContainText('The request is saved in TenantPilot.');
  // The page says the failure from its stored code (the API keeps the English summary with the status).
  await expect(page.getByTestId('support-failure-summary')).toContainText('The support desk refused the ticket.');
  const reference = (await result.textContent())?.match(/SR-[0-9A-Z]{26}/)?.[0];
  // Later, from the run viewer again: the persisted failure is in the latest summary.
  await page.goto(runUrl);
  await page.getByTestId('run-more').locator('summary').click();
  await page.getByTestId('run-more').getByTestId('request-support').click();
  await expect(page.getByTestId('support-latest-reference')).toHaveText(reference ?? 'missing');
  await expect(page.getByTestId('support-latest-failure')).toContainText('The support desk refused the ticket.');
  await page.screenshot({ path: shot('support-request-run-failed.png'), fullPage: true });
});

test('readonly sees Request support disabled with the reason', async ({ page }) => {
  await signIn(page, 'readonly@contoso.test');
  await page.goto('/admin/t/contoso');
  const button = page.getByTestId('support-actions').getByTestId('request-support');
  await expect(button).toBeDisabled();
  // The reason is words (the role it needs), never the capability id.
  await expect(button).toHaveAttribute('title', /Needs the operator role/);
  await expect(button).not.toHaveAttribute('title', /support_requests\.create/);
  const response = await page.goto('/admin/t/contoso/support-requests/new');
  expect(response?.status()).toBe(403);
});
