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

test('form: the external-ticket fields appear only when linking is chosen, also without JavaScript', async ({ page, browser }) => {
  await signIn(page, 'owner@contoso.test');
  await page.goto('/admin/t/fabrikam/support-requests/new');
  // The context that will be attached, like the seed's summary.
  const preview = page.getByTestId('support-preview');
  await expect(preview.getByTestId('support-preview-tenant')).toHaveText('Fabrikam Inc');
  await expect(preview.getByTestId('support-preview-verification')).toHaveText('Blocked');
  await expect(preview.getByTestId('support-preview-issue')).toHaveText('Admin consent required');
  await expect(preview.getByTestId('support-preview-help').getByRole('link')).toHaveAttribute('href', /^https:\/\//);
  await expect(preview.getByTestId('support-preview-run').first()).toBeVisible();
  await expect(preview.getByTestId('support-attachment-why')).toContainText('Your role (Owner) may view support diagnostics');
  const reference = page.getByLabel('External ticket reference');
  await expect(reference).toBeHidden();
  await expect(page.getByLabel('External ticket URL')).toBeHidden();
  await page.getByTestId('handoff-link_existing_ticket').check();
  await expect(reference).toBeVisible();
  await expect(page.getByLabel('External ticket URL')).toBeVisible();
  await page.getByTestId('handoff-internal_only').check();
  await expect(reference).toBeHidden();
  // A link-mode error comes back with them open (and this page state is checked too).
  await page.getByTestId('handoff-link_existing_ticket').check();
  await page.getByLabel('Summary').fill('Link without a reference');
  await page.getByTestId('submit-support-request').click();
  await expect(page.getByText('Enter the reference of the existing ticket to link it.')).toBeVisible();
  await expect(reference).toBeVisible();

  // Without JavaScript the same CSS decides. (Not `watch`ed: axe itself needs JavaScript; the
  // same pages were checked above.)
  const context = await browser.newContext({ javaScriptEnabled: false, baseURL: new URL(page.url()).origin });
  const plain = await context.newPage();
  await signIn(plain, 'operator@contoso.test');
  await plain.goto('/admin/t/fabrikam/support-requests/new');
  await expect(plain.getByTestId('support-attachment')).toHaveAttribute('data-mode', 'canonical_context_only');
  await expect(plain.getByLabel('External ticket reference')).toBeHidden();
  await plain.getByTestId('handoff-link_existing_ticket').check();
  await expect(plain.getByLabel('External ticket reference')).toBeVisible();
  await plain.getByLabel('Summary').fill('Link without a reference');
  await plain.getByTestId('submit-support-request').click();
  await expect(plain.getByText('Enter the reference of the existing ticket to link it.')).toBeVisible();
  await expect(plain.getByLabel('External ticket reference')).toBeVisible();
  await expect(plain.getByTestId('handoff-link_existing_ticket')).toBeChecked();
  await plain.screenshot({ path: shot('support-request-link-error-nojs.png'), fullPage: true });
  await context.close();
});

test('form: submit is disabled and says so while the desk is called, then the result replaces the form', async ({ page }) => {
  await signIn(page, 'owner@contoso.test');
  await page.goto('/admin/t/fabrikam/support-requests/new');
  const create = page.getByTestId('handoff-create_external_ticket');
  // The demo's desk is the webhook: the option says so without a product name.
  await expect(page.getByTestId('support-handoff')).toContainText('TenantPilot + external support desk: create a new ticket');
  // The fake desk answers at once, so the submit is held for a moment at the network. While a
  // navigation is pending Playwright cannot read the page, so the page notes its own state
  // (in sessionStorage, read back after the result loads): on submit, after a second submit
  // attempt, and still while waiting.
  await page.addInitScript(() => {
    const snap = (when: string) => {
      const button = document.querySelector<HTMLButtonElement>('[data-testid="submit-support-request"]');
      const form = button?.form;
      const status = form?.querySelector('[data-busy-status]');
      const list = JSON.parse(sessionStorage.getItem('busy') || '[]');
      list.push({
        when,
        disabled: button?.disabled,
        text: button?.textContent?.trim(),
        buttonBusy: button?.getAttribute('aria-busy'),
        formBusy: form?.getAttribute('aria-busy'),
        live: status?.getAttribute('aria-live'),
        status: status?.textContent,
      });
      sessionStorage.setItem('busy', JSON.stringify(list));
    };
    document.addEventListener('submit', (event) => {
      if (event.defaultPrevented) {
        snap('second submit refused');
        return;
      }
      snap('on submit');
      const form = event.target as HTMLFormElement;
      setTimeout(() => {
        form.requestSubmit();
        snap('while waiting');
      }, 400);
    });
  });
  let posts = 0;
  await page.route('**/admin/t/fabrikam/support-requests', async (route) => {
    if (route.request().method() === 'POST') {
      posts += 1;
      await new Promise((resolve) => setTimeout(resolve, 1500));
    }
    await route.continue();
  });
  await page.reload();
  await page.getByLabel('Summary').fill('Consent keeps disappearing');
  await create.check();
  await page.getByTestId('submit-support-request').click();

  const result = page.getByTestId('support-result');
  await expect(result).toHaveAttribute('data-outcome', 'external_ticket_created');
  expect(posts).toBe(1);
  const saying = 'Creating the ticket at the external support desk…';
  const busy = { disabled: true, text: saying, buttonBusy: 'true', formBusy: 'true', live: 'polite', status: saying };
  expect(JSON.parse((await page.evaluate(() => sessionStorage.getItem('busy'))) ?? '[]')).toEqual([
    { when: 'on submit', ...busy },
    { when: 'second submit refused', ...busy },
    { when: 'while waiting', ...busy },
  ]);
  const ref = page.getByTestId('support-result-reference');
  await expect(ref).toHaveText(/^SR-[0-9A-HJKMNP-TV-Z]{26}$/);
  const reference = await ref.textContent();
  await expect(ref).toHaveAttribute('href', `/admin/t/fabrikam/support-requests/${reference}`);
  await expect(page.getByTestId('support-request-form')).toHaveCount(0);
  await expect(page.getByLabel('Summary')).toHaveCount(0);
  await page.screenshot({ path: shot('support-request-result.png'), fullPage: true });
  await page.unroute('**/admin/t/fabrikam/support-requests');
  await page.getByTestId('support-file-another').click();
  await expect(page).toHaveURL(/\/admin\/t\/fabrikam\/support-requests\/new$/);
  await expect(page.getByTestId('support-request-form')).toBeVisible();
  await expect(page.getByLabel('Summary')).toHaveValue('');
  await expect(page.getByTestId('support-file-another')).toHaveCount(0);
  await expect(page.getByTestId('submit-support-request')).toBeEnabled();
});
