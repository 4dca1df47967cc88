import { type Page } from '@playwright/test';
import { expect, test, DEMO_PASSWORD, shot, signIn } from './helpers';

const REASON = 'E2E: provider incident <b>now</b>';

async function pauseContosoStarts(page: Page): Promise<void> {
  await page.goto('/system/controls');
  const card = page.getByTestId('control-operation_starts');
  await card.getByText('Pause this control').click();
  await card.getByLabel('Reason', { exact: true }).fill(REASON);
  await card.getByLabel('Scope', { exact: true }).selectOption('workspace');
  await card.getByLabel('Workspace (for the workspace scope)').fill('contoso-msp');
  await card.getByLabel('Duration', { exact: true }).selectOption('1h');
  await card.getByRole('button', { name: 'Pause', exact: true }).click();
  await expect(page.getByTestId('control-operation_starts').getByTestId('control-state')).toHaveText(
    'Paused for one workspace',
  );
}

async function resumeStarts(page: Page): Promise<void> {
  await page.goto('/system/controls');
  const card = page.getByTestId('control-operation_starts');
  const resume = card.getByRole('button', { name: 'Resume' });
  while ((await resume.count()) > 0) {
    await resume.first().click();
    await expect(page).toHaveURL(/\/system\/controls$/);
  }
  await expect(page.getByTestId('control-operation_starts').getByTestId('control-state')).toHaveText('Running');
}

test('a paused start is visible before the click, and a click on a stale page stays on it', async ({ browser }) => {
  // Three signed-in browsers (platform, admin, German admin) in one test.
  test.setTimeout(120_000);
  const admin = await (await browser.newContext()).newPage();
  const platform = await (await browser.newContext()).newPage();
  await signIn(admin, 'owner@contoso.test');
  await signIn(platform, 'platform@tenantpilot.test');

  // The admin's dashboard was loaded while starts were open.
  await admin.goto('/admin/t/contoso');
  await expect(admin.getByTestId('pause-banner')).toHaveCount(0);
  const start = admin.getByTestId('start-inventory.sync');
  await expect(start).toBeEnabled();

  await pauseContosoStarts(platform);
  try {
    // A click on the stale page: back on the same page with the refusal in words, no 409 page.
    await start.click();
    await expect(admin).toHaveURL(/\/admin\/t\/contoso$/);
    await expect(admin.locator('div.flash.flash-warning[role="status"]')).toContainText(
      'Starting operations is paused by the platform operators',
    );
    await expect(admin.getByRole('heading', { name: 'Conflict' })).toHaveCount(0);

    // The banner names what is paused, where, until when and why (escaped, as typed).
    const banner = admin.getByTestId('pause-banner');
    await expect(banner).toBeVisible();
    await expect(banner.getByRole('heading', { name: 'Paused by the platform operators' })).toBeVisible();
    await expect(banner).toContainText('Operation starts');
    await expect(banner).toContainText('in this workspace');
    await expect(banner).toContainText('until 20');
    await expect(banner.getByTestId('pause-notice-reason')).toHaveText(REASON);

    // The affected buttons are disabled with the reason as visible text.
    for (const runType of ['inventory.sync', 'provider.connection.verify']) {
      await expect(admin.getByTestId(`start-${runType}`)).toBeDisabled();
      const reason = admin.getByTestId(`start-${runType}-reason`);
      await expect(reason).toBeVisible();
      await expect(reason).toHaveText(`Starting runs is paused by the platform operators: ${REASON}`);
    }
    await admin.screenshot({ path: shot('pause-banner-dashboard.png'), fullPage: true });

    // The same in German.
    const de = await (await browser.newContext({ locale: 'de-DE' })).newPage();
    await de.goto('/login');
    await de.locator('#email').fill('manager@contoso.test');
    await de.locator('#password').fill(DEMO_PASSWORD);
    await de.locator('form button[type="submit"]').click();
    await expect(de).not.toHaveURL(/\/login(\?|$)/);
    await de.goto('/admin/t/contoso');
    await expect(de.getByTestId('pause-banner')).toContainText('Von den Plattformbetreibern pausiert');
    await expect(de.getByTestId('start-inventory.sync-reason')).toContainText(
      'Das Starten von Vorgängen ist von den Plattformbetreibern pausiert',
    );
    await de.context().close();
  } finally {
    await resumeStarts(platform);
  }

  // After the resume the banner is gone and the start is offered again.
  await admin.goto('/admin/t/contoso');
  await expect(admin.getByTestId('pause-banner')).toHaveCount(0);
  await expect(admin.getByTestId('start-inventory.sync')).toBeEnabled();
  await admin.context().close();
  await platform.context().close();
});

test('pausing run execution asks for confirmation and says what it affects', async ({ page }) => {
  await signIn(page, 'platform@tenantpilot.test');
  await page.goto('/system/controls');
  await expect(page.locator('body')).not.toContainText('features::');
  const card = page.getByTestId('control-run_execution');
  await card.getByText('Pause this control').click();
  await card.getByLabel('Reason', { exact: true }).fill('E2E: database failover');
  await card.getByRole('button', { name: 'Pause', exact: true }).click();
  const confirm = page.getByTestId('control-confirm');
  await expect(confirm.getByRole('heading', { name: 'Pause run execution everywhere?' })).toBeVisible();
  await expect(confirm.getByTestId('confirm-queued')).toContainText(/queued now/);
  await expect(confirm.getByTestId('confirm-instances')).toContainText('every instance');
  // Cancelling pauses nothing.
  await confirm.getByTestId('confirm-cancel').click();
  await expect(page.getByTestId('control-run_execution').getByTestId('control-state')).toHaveText('Running');
});
