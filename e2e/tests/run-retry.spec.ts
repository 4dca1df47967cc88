import { type Page } from '@playwright/test';
import { expect, test, shot, signIn, watch } from './helpers';

const PLATFORM = 'platform@tenantpilot.test';

/** As the platform operator in its own browser context: pause or resume run execution. */
async function runExecution(page: Page, action: 'pause' | 'resume'): Promise<void> {
  await page.goto('/system/controls');
  const card = page.getByTestId('control-run_execution');
  if (action === 'pause') {
    await card.getByText('Pause this control').click();
    await card.getByLabel('Reason', { exact: true }).fill('E2E: hold runs while the viewer watches');
    await card.getByRole('button', { name: 'Pause', exact: true }).click();
    // Pausing run execution asks for confirmation first.
    await page.getByTestId('confirm-pause').click();
    await expect(page.getByTestId('control-run_execution').getByTestId('control-state')).not.toHaveText('Running');
  } else {
    await card.getByRole('button', { name: 'Resume' }).click();
    await expect(page.getByTestId('control-run_execution').getByTestId('control-state')).toHaveText('Running');
  }
}

test('a failed run says what next, and its retry updates in place to Succeeded without a reload', async ({
  page,
  browser,
}) => {
  // The platform operator holds run execution, so the retried run is still queued when its
  // viewer opens; resuming it later lets the viewer show the run finish live.
  const platformContext = await browser.newContext();
  const platform = watch(await platformContext.newPage());
  await signIn(platform, PLATFORM);
  await runExecution(platform, 'pause');
  try {
    await signIn(page, 'owner@contoso.test');
    // contoso's one failed demo run: a permission posture report whose instance stopped.
    await page.goto('/admin/operations?tenant=contoso&outcome=failed');
    await page.getByTestId('operations-table').getByRole('link').first().click();
    await expect(page.getByTestId('run-state')).toHaveText('Failed');
    const next = page.getByTestId('run-next');
    await expect(next.getByTestId('run-next-reason')).toContainText('Interrupted');
    await expect(next.getByTestId('contextual-help-block')).toBeVisible();
    await expect(next.getByTestId('next-request-support')).toBeVisible();
    await expect(next.getByTestId('next-open-support-diagnostics')).toBeVisible();
    // The support actions stay under More as well.
    await page.getByTestId('run-more').locator('summary').click();
    await expect(page.getByTestId('run-more').getByTestId('request-support')).toBeVisible();
    await page.getByTestId('run-more').locator('summary').click();
    await page.screenshot({ path: shot('runs-failed-what-next.png'), fullPage: true });

    await next.getByTestId('run-retry').click();
    await expect(page).toHaveURL(/\/admin\/operations\/\d+$/);
    const url = page.url();
    await expect(page.getByTestId('run-state')).toHaveText('Queued');
    await expect(page.getByTestId('run-waiting')).toHaveText(/Run execution is paused by the platform operators/);
    await expect(page.getByTestId('run-refresh')).toBeVisible();
    await expect(page.locator('meta[http-equiv="refresh"]')).toHaveCount(0);
    // A marker that a reload or navigation would wipe out.
    await page.evaluate(() => {
      (window as unknown as { liveMarker: string }).liveMarker = 'still here';
    });
    await page.screenshot({ path: shot('runs-retry-queued-paused.png'), fullPage: true });

    await runExecution(platform, 'resume');
    await expect(page.getByTestId('run-state')).toHaveText('Succeeded', { timeout: 20_000 });
    await expect(page.getByTestId('run-counts')).toContainText('Permissions granted');
    await expect(page.getByTestId('run-live')).toHaveAttribute('data-run-active', 'false');
    await expect(page.getByTestId('run-refresh')).toHaveCount(0);
    expect(page.url()).toBe(url);
    expect(await page.evaluate(() => (window as unknown as { liveMarker?: string }).liveMarker)).toBe(
      'still here',
    );
    await page.screenshot({ path: shot('runs-retry-succeeded.png'), fullPage: true });
  } finally {
    // Leave the shared server as found, even when an assertion failed while paused.
    await platform.goto('/system/controls');
    const state = platform.getByTestId('control-run_execution').getByTestId('control-state');
    if ((await state.innerText()) !== 'Running') await runExecution(platform, 'resume');
    await platformContext.close();
  }
});

test('a failed run of a tenant without consent offers to grant it', async ({ page }) => {
  await signIn(page, 'owner@contoso.test');
  await page.goto('/admin/operations?tenant=fabrikam&outcome=failed&type=inventory.sync');
  await page.getByTestId('operations-table').getByRole('link').first().click();
  const next = page.getByTestId('run-next');
  await expect(next.getByTestId('run-grant-consent')).toHaveAttribute('href', '/admin/t/fabrikam/consent');
  await expect(next.getByTestId('contextual-help-block')).toHaveAttribute('data-help-topic', 'admin-consent-required');
  await expect(next.getByTestId('run-retry')).toHaveCount(0);
  await page.screenshot({ path: shot('runs-fabrikam-grant-consent.png'), fullPage: true });
});
