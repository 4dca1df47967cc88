import { type Page } from '@playwright/test';
import { test, expect, DEMO_PASSWORD, shot } from './helpers';
import path from 'node:path';

// Issue 14 §2: every GET page of the admin and system planes, with demo data, in English and
// German, light and dark. The fixture in ./helpers scans each page state with axe and measures
// sideways scroll at 390 px; this spec only navigates. Navigation uses ids and URLs, not
// labels, so the same walk runs in both languages.

/** Signs in through the login form in whatever language it is shown. */
async function signInAs(page: Page, email: string): Promise<void> {
  await page.goto('/login');
  await page.locator('#email').fill(email);
  await page.locator('#password').fill(DEMO_PASSWORD);
  await page.locator('form[action="/login"] button[type=submit]').click();
  await expect(page).not.toHaveURL(/\/login(\?|$)/);
}

/** The first `href` on `url` (fetched with the page's session, not visited) matching `pattern`. */
async function firstHref(page: Page, url: string, pattern: RegExp): Promise<string | undefined> {
  const answer = await page.request.get(url);
  expect(answer.ok(), `${url} answers ${answer.status()}`).toBe(true);
  const html = await answer.text();
  for (const m of html.matchAll(/href="([^"]+)"/g)) {
    const href = m[1].replace(/&amp;/g, '&');
    if (pattern.test(href)) return href;
  }
  return undefined;
}

/** Visits `url`, expecting the answer's status (200 unless told). */
async function visit(page: Page, url: string, status = 200): Promise<void> {
  const answer = await page.goto(url);
  expect(answer?.status(), url).toBe(status);
}

/** Dark-mode screenshots (English) go to $DARK_SHOTS_DIR, else to test-results/screenshots. */
async function darkShot(page: Page, name: string): Promise<void> {
  const dir = process.env.DARK_SHOTS_DIR;
  const file = `dark-${name}.png`;
  await page.screenshot({ path: dir ? path.join(dir, file) : shot(file), fullPage: true });
}

const variants = [
  { name: 'English, light', locale: 'en-US', colorScheme: 'light' },
  { name: 'German, light', locale: 'de-DE', colorScheme: 'light' },
  { name: 'English, dark', locale: 'en-US', colorScheme: 'dark' },
  { name: 'German, dark', locale: 'de-DE', colorScheme: 'dark' },
] as const;

for (const v of variants) {
  test.describe(v.name, () => {
    const shots = v.colorScheme === 'dark' && v.locale === 'en-US';
    test.use({ locale: v.locale, colorScheme: v.colorScheme });
    test.describe.configure({ timeout: 180_000 });

    test('signed out: login and the not-found page', async ({ page }) => {
      await visit(page, '/login');
      await visit(page, '/login?next=%2Fadmin%2Foperations');
      await visit(page, '/this-page-does-not-exist', 404);
    });

    test('admin plane as a workspace owner', async ({ page }) => {
      await signInAs(page, 'owner@contoso.test');
      await expect(page.locator('html')).toHaveAttribute('lang', v.locale.slice(0, 2));
      await visit(page, '/admin/w/contoso-msp');
      if (shots) await darkShot(page, 'fleet');
      await visit(page, '/admin/w/contoso-msp/audit');
      await visit(page, '/admin/w/contoso-msp/members');
      await visit(page, '/invitations/not-a-real-token', 404);
      await visit(page, '/password-reset/not-a-real-token', 410);
      if (shots) await darkShot(page, 'audit');
      await visit(page, '/admin/t/contoso');
      await visit(page, '/admin/t/fabrikam');
      if (shots) await darkShot(page, 'tenant-dashboard');
      await visit(page, '/admin/t/fabrikam/permissions');
      await visit(page, '/admin/t/fabrikam/consent');
      await visit(page, '/admin/t/does-not-exist', 404);

      await visit(page, '/admin/operations');
      const failed = await firstHref(page, '/admin/operations?tenant=fabrikam&outcome=failed', /^\/admin\/operations\/\d+$/);
      const succeeded = await firstHref(page, '/admin/operations?outcome=succeeded', /^\/admin\/operations\/\d+$/);
      expect(failed, 'the demo has a failed run').toBeDefined();
      expect(succeeded, 'the demo has a succeeded run').toBeDefined();
      await visit(page, '/admin/operations?tenant=fabrikam&outcome=failed');
      await visit(page, failed!);
      if (shots) await darkShot(page, 'failed-run');
      await visit(page, succeeded!);
      await visit(page, `${failed}/support-requests/new`);
      await page.goto(failed!);
      await page.getByTestId('run-more').locator('summary').click();
      await page.getByTestId('open-support-diagnostics').click();
      await expect(page).toHaveURL(/\/support-diagnostics\/\d+$/);

      await visit(page, '/admin/t/fabrikam/support-requests/new');
      if (shots) await darkShot(page, 'support-form');
      await visit(page, '/admin/t/fabrikam');
      await page.getByTestId('open-support-diagnostics').click();
      await expect(page).toHaveURL(/\/admin\/t\/fabrikam\/support-diagnostics\/\d+$/);

      await visit(page, '/admin/onboarding');
      let draft = await firstHref(page, '/admin/onboarding', /^\/admin\/onboarding\/\d+$/);
      if (!draft) {
        await page.locator('#workspace').selectOption('contoso-msp');
        await page.locator('#existing_tenant').selectOption('contoso');
        await page.locator('form[action="/admin/onboarding"] button[type=submit]').click();
        await expect(page).toHaveURL(/\/admin\/onboarding\/\d+/);
        draft = new URL(page.url()).pathname;
      }
      await visit(page, draft);
      if (shots) await darkShot(page, 'onboarding-draft');

      await visit(page, '/admin/t/contoso/reports');
      const report = await firstHref(page, '/admin/t/contoso/reports', /^\/admin\/t\/contoso\/reports\/\d+$/);
      if (report) await visit(page, report);

      await visit(page, '/account');
      const revoke = await firstHref(page, '/account', /^\/account\/tokens\/\d+\/revoke$/);
      if (revoke) await visit(page, revoke);
    });

    test('admin plane as a read-only member', async ({ page }) => {
      await signInAs(page, 'readonly@contoso.test');
      await visit(page, '/admin/w/contoso-msp');
      await visit(page, '/admin/t/contoso');
      await visit(page, '/admin/t/contoso/reports');
      await visit(page, '/admin/t/contoso/consent');
      await visit(page, '/admin/onboarding', 403);
    });

    test('system plane as the platform operator', async ({ page }) => {
      await signInAs(page, 'platform@tenantpilot.test');
      await visit(page, '/system');
      await visit(page, '/system?window=1y');
      await visit(page, '/system/controls');
      if (shots) await darkShot(page, 'system-controls');
      await visit(page, '/system/workspaces');
      await visit(page, '/system/support-desk');
    });
  });
}
