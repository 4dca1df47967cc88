import { type Browser, type Page } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { test, expect, DEMO_PASSWORD, watch } from './helpers';

// A German walk through every page of the admin and system planes with the demo data. Each
// page's rendered text (header and <main>) is checked against the locale files, not by eye:
// no English message whose German differs may appear, and no raw code (snake_case or
// dotted.code) may be shown as text outside <code>/<pre>.

const localesDir = path.resolve(__dirname, '..', '..', 'locales');

/** Every message of one language: id → the text of its lines (variants of a select each). */
function readLocale(lang: string): Map<string, string[]> {
  const messages = new Map<string, string[]>();
  const dir = path.join(localesDir, lang);
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.ftl')).sort()) {
    let current: string | undefined;
    for (const line of fs.readFileSync(path.join(dir, file), 'utf8').split('\n')) {
      if (line.startsWith('#') || line.trim() === '') {
        current = undefined;
        continue;
      }
      const head = /^([a-z][a-z0-9_-]*)\s*=\s*(.*)$/.exec(line);
      if (head) {
        current = head[1];
        messages.set(current, head[2].trim() ? [head[2].trim()] : []);
      } else if (current && /^\s/.test(line)) {
        // A continuation or a variant (`[one] …`, `*[other] …`); the closing `}` is no text.
        const text = line.trim().replace(/^\*?\[[^\]]+\]\s*/, '');
        if (text && text !== '}') messages.get(current)?.push(text);
      }
    }
  }
  return messages;
}

/** The literal pieces of a message around its `{ $var }` placeables. */
function fragments(values: string[]): string[] {
  return values
    .flatMap((v) => v.split(/\{[^}]*\}/))
    .map((f) => f.trim().replace(/^[\s:·–—,.;()]+|[\s:·–—,;()]+$/g, '').trim())
    .filter((f) => f.split(/\s+/).length >= 2 || f.length >= 10);
}

const en = readLocale('en');
const de = readLocale('de');
const germanValues = [...de.values()].flat().join('\n');

/** English fragments that must not show on a German page: key → fragments. */
const englishOnly: Array<{ key: string; fragment: string }> = [];
for (const [key, enValues] of en) {
  const deValues = de.get(key) ?? [];
  if (enValues.join('\n') === deValues.join('\n')) continue;
  for (const fragment of fragments(enValues)) {
    // A fragment the German text itself uses (a product name, "Microsoft Graph") is no leak.
    if (germanValues.includes(fragment)) continue;
    englishOnly.push({ key, fragment });
  }
}

/** The demo's external ids and directories, which are data shown as is. */
const demoData = [/\b[\w-]+\.onmicrosoft\.com\b/g, /\b[\w.-]+\.(?:zip|json)\b/g];

/** The header's and <main>'s rendered text, without <code>/<pre> content, e-mails and URLs. */
async function pageText(page: Page, { withCode = false } = {}): Promise<string> {
  const text = await page.evaluate((withCode) => {
    const roots = Array.from(document.querySelectorAll('header.topbar, main'));
    // Hidden for the reading only (innerText leaves out what is not rendered), then restored.
    const hidden = withCode
      ? []
      : roots.flatMap((el) => Array.from(el.querySelectorAll<HTMLElement>('code, pre')));
    const before = hidden.map((el) => el.style.display);
    hidden.forEach((el) => (el.style.display = 'none'));
    const read = roots.map((el) => (el as HTMLElement).innerText).join('\n');
    hidden.forEach((el, i) => (el.style.display = before[i]));
    return read;
  }, withCode);
  let cleaned = text
    .replace(/[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g, ' ')
    .replace(/\bhttps?:\/\/\S+/g, ' ');
  for (const re of demoData) cleaned = cleaned.replace(re, ' ');
  return cleaned;
}

function englishIn(text: string): string[] {
  return englishOnly.filter(({ fragment }) => text.includes(fragment)).map(({ key, fragment }) => `${key}: "${fragment}"`);
}

function codesIn(text: string): string[] {
  const snake = text.match(/\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b/g) ?? [];
  const dotted = text.match(/\b[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+\b/g) ?? [];
  return [...snake, ...dotted];
}

async function checkGerman(page: Page, name: string): Promise<void> {
  await expect(page.locator('html')).toHaveAttribute('lang', 'de');
  await expect(page.locator('main')).toBeVisible();
  const text = await pageText(page);
  expect(englishIn(text), `English text on the German ${name} page (${page.url()})`).toEqual([]);
  expect(codesIn(text), `raw codes on the German ${name} page (${page.url()})`).toEqual([]);
}

async function signInGerman(page: Page, email: string): Promise<void> {
  await page.goto('/login');
  await checkGerman(page, 'login');
  await page.getByLabel('E-Mail-Adresse').fill(email);
  await page.getByLabel('Passwort').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Anmelden' }).click();
  await expect(page).not.toHaveURL(/\/login(\?|$)/);
}

test.describe('German walk', () => {
  test.use({ locale: 'de-DE' });

  test('the owner sees German on every admin page', async ({ page }) => {
    test.setTimeout(120_000);
    await signInGerman(page, 'owner@contoso.test');
    const visit = async (url: string, name: string) => {
      await page.goto(url);
      await checkGerman(page, name);
    };
    await visit('/admin/w/contoso-msp', 'fleet');
    await visit('/admin/t/fabrikam', 'tenant dashboard with help');
    await visit('/admin/t/contoso', 'tenant dashboard');
    await visit('/admin/operations', 'operations');

    await page.goto('/admin/operations?tenant=fabrikam&outcome=failed');
    await page.getByTestId('operations-table').getByRole('link').first().click();
    await expect(page.getByTestId('run-state')).toHaveText('Fehlgeschlagen');
    await checkGerman(page, 'failed run');
    // Control: with <code> kept, the checker finds the run's reason code.
    expect(codesIn(await pageText(page, { withCode: true }))).toContain('admin_consent_required');

    await page.goto('/admin/operations?tenant=contoso&outcome=succeeded');
    await page.getByTestId('operations-table').getByRole('link').first().click();
    await expect(page.getByTestId('run-state')).toHaveText('Erfolgreich');
    await checkGerman(page, 'succeeded run');

    await visit('/admin/onboarding', 'onboarding');
    await page.locator('#workspace').selectOption('contoso-msp');
    await page.locator('#existing_tenant').selectOption('contoso');
    await page.locator('form[action="/admin/onboarding"] button[type="submit"]').click();
    await expect(page).toHaveURL(/\/admin\/onboarding\/\d+/);
    await checkGerman(page, 'onboarding draft');

    await visit('/admin/t/fabrikam/support-requests/new', 'support form');
    await page.getByLabel('Zusammenfassung').fill('Synchronisierung unvollständig');
    await page.getByTestId('submit-support-request').click();
    await expect(page.getByTestId('support-result')).toHaveAttribute('data-outcome', 'internal_only');
    await checkGerman(page, 'support request submitted');
    await page.getByTestId('support-result-reference').click();
    await expect(page.getByTestId('support-detail-facts')).toContainText('Synchronisierung unvollständig');
    await checkGerman(page, 'support request page');
    await visit('/admin/t/fabrikam/support-requests', 'past support requests');
    await page.goto('/admin/t/fabrikam');
    await page.getByTestId('open-support-diagnostics').click();
    await expect(page).toHaveURL(/support-diagnostics\/\d+$/);
    await checkGerman(page, 'support diagnostics');

    await visit('/admin/t/fabrikam/reports', 'reports');
    await page.getByTestId('stored-reports').getByRole('link').first().click();
    await expect(page.getByTestId('report-title')).toBeVisible();
    await checkGerman(page, 'report');

    await visit('/admin/t/fabrikam/permissions', 'permissions');
    await visit('/admin/t/fabrikam/consent', 'consent');
    await visit('/admin/w/contoso-msp/audit', 'audit log');
    await visit('/admin/w/contoso-msp/members', 'members');
    await visit('/account', 'account');
    await page.goto('/admin/t/does-not-exist');
    await checkGerman(page, '404');
  });

  test('an invitation reads German from the link to the joined workspace', async ({ page, browser }) => {
    await signInGerman(page, 'owner@contoso.test');
    await page.goto('/admin/w/contoso-msp/members');
    const invite = page.getByTestId('invite-form');
    await invite.locator('#invite-email').fill('de.kollegin@contoso.test');
    await invite.locator('#invite-role').selectOption('readonly');
    await invite.locator('button[type="submit"]').click();
    const link = (await page.getByTestId('invitation-link-value').innerText()).trim();
    await checkGerman(page, 'members with a fresh invitation link');

    const germanPage = async (b: Browser) =>
      watch(await (await b.newContext({ locale: 'de-DE' })).newPage());
    const invitee = await germanPage(browser);
    await invitee.goto(new URL(link).pathname);
    await expect(invitee.getByTestId('invitation-page')).toContainText('Contoso MSP');
    await checkGerman(invitee, 'invitation');
    await invitee.locator('#display_name').fill('Dana Kollegin');
    await invitee.locator('#password').fill('ein ausreichend langes Passwort');
    await invitee.getByTestId('accept-invitation').click();
    await expect(invitee).toHaveURL(/\/admin\/w\/contoso-msp$/);
    await expect(invitee.getByRole('status').first()).toBeVisible();
    await checkGerman(invitee, 'joined workspace');

    const stranger = await germanPage(browser);
    const answer = await stranger.goto(new URL(link).pathname);
    expect(answer?.status()).toBe(410);
    await expect(stranger.getByTestId('invitation-refused')).toBeVisible();
    await checkGerman(stranger, 'used invitation');
    await invitee.context().close();
    await stranger.context().close();
  });

  test('the platform operator sees German on the system plane', async ({ page }) => {
    await signInGerman(page, 'platform@tenantpilot.test');
    for (const [url, name] of [
      ['/system', 'system overview'],
      ['/system/controls', 'operational controls'],
      ['/system/support-desk', 'support desk'],
    ]) {
      await page.goto(url);
      await checkGerman(page, name);
    }
  });
});

test.describe('the checker can fail', () => {
  test.use({ locale: 'en-US' });

  test('on the English page it finds the English strings', async ({ page }) => {
    expect(englishOnly.length).toBeGreaterThan(100);
    await page.goto('/login');
    await page.getByLabel('E-mail address').fill('owner@contoso.test');
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.goto('/admin/t/fabrikam');
    const found = englishIn(await pageText(page));
    expect(found.length).toBeGreaterThan(5);
    expect(found.some((f) => f.startsWith('dashboard-'))).toBe(true);
  });
});
