import { test, expect, shot, signIn } from './helpers';

// scripts/server.mjs runs a fake webhook desk; a summary containing "[desk-fail-once]" fails the
// first call for its reference (HTTP 502) and succeeds from then on.

test('a failed handoff is retried from the request page and the desk has the ticket', async ({ page }) => {
  await signIn(page, 'owner@contoso.test');
  await page.goto('/admin/t/fabrikam/support-requests/new');
  await page.getByLabel('Summary').fill('[desk-fail-once] consent revoked again');
  await page.getByTestId('handoff-create_external_ticket').check();
  await page.getByTestId('submit-support-request').click();
  const result = page.getByTestId('support-result');
  await expect(result).toHaveAttribute('data-outcome', 'external_handoff_failed');
  const reference = (await result.textContent())?.match(/SR-[0-9A-Z]{26}/)?.[0] ?? 'missing';

  // The result's reference opens the request's page, which offers the retry.
  await page.getByTestId('support-result-reference').click();
  await expect(page).toHaveURL(new RegExp(`/admin/t/fabrikam/support-requests/${reference}$`));
  await expect(page.getByTestId('support-detail-outcome')).toHaveAttribute('data-outcome', 'external_handoff_failed');
  await expect(page.getByTestId('support-detail-failure')).toBeVisible();
  await expect(page.getByTestId('support-attempt')).toHaveCount(1);
  await page.screenshot({ path: shot('support-retry-1-failed.png'), fullPage: true });

  await page.getByTestId('support-retry').click();
  await expect(page).toHaveURL(new RegExp(`/admin/t/fabrikam/support-requests/${reference}$`));
  await expect(page.getByRole('status').filter({ hasText: 'The support desk has the ticket now.' })).toBeVisible();
  await expect(page.getByTestId('support-detail-outcome')).toHaveAttribute('data-outcome', 'external_ticket_created');
  await expect(page.getByTestId('support-detail-external')).toHaveText(/^\d{4}$/);
  await expect(page.getByTestId('support-attempt')).toHaveCount(2);
  await expect(page.getByTestId('support-retry')).toHaveCount(0);
  await page.screenshot({ path: shot('support-retry-2-created.png'), fullPage: true });

  // The tenant's list shows the request with its ticket, newest first, linking back.
  await page.goto('/admin/t/fabrikam');
  await page.getByTestId('support-history-link').click();
  await expect(page).toHaveURL(/\/admin\/t\/fabrikam\/support-requests$/);
  const row = page.getByTestId('support-history-row').first();
  await expect(row).toHaveAttribute('data-reference', reference);
  await expect(row.getByTestId('support-history-outcome')).toHaveAttribute('data-outcome', 'external_ticket_created');
  await row.getByRole('link', { name: reference }).click();
  await expect(page.getByTestId('support-detail-title')).toHaveText(reference);
});
