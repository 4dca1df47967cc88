import { type Page } from '@playwright/test';
import { test, expect, DEMO_PASSWORD } from './helpers';

// Issue 11 point 1: whatever `next` a sign-in carries, the browser ends up on our own origin.
// Browsers drop TAB/CR/LF from URLs and read `\` as `/`, so `/<TAB>/evil.example/x` would become
// `//evil.example/x` (another site) if the server passed it through.

const HOSTILE = [
  '/\t/evil.example/x',
  '//evil.example/x',
  '/\\evil.example/x',
  '\\\\evil.example/x',
  '/%2F/evil.example/x',
  'https://evil.example/x',
  '/..//evil.example/x',
];

async function submit(page: Page, email: string): Promise<void> {
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).not.toHaveURL(/\/login(\?|$)/);
}

test('a hostile next in the login link keeps the browser on our origin', async ({ page, baseURL }) => {
  const ours = new URL(baseURL!).origin;
  await page.goto('/login?next=' + encodeURIComponent('/\t/evil.example/x'));
  await submit(page, 'owner@contoso.test');
  expect(new URL(page.url()).origin).toBe(ours);
  await expect(page).toHaveURL(/\/admin\/w\/contoso-msp$/);
});

for (const next of HOSTILE) {
  test(`a hostile next posted with the form stays on our origin: ${JSON.stringify(next)}`, async ({ page, baseURL, context }) => {
    const ours = new URL(baseURL!).origin;
    // No request may leave for the attacker's host.
    const leaks: string[] = [];
    context.on('request', (r) => {
      if (new URL(r.url()).origin !== ours) leaks.push(r.url());
    });
    await page.goto('/login');
    // As an attacker's own form would post it: the hidden field carries the hostile value.
    await page.locator('input[name="next"]').evaluate((el, v) => ((el as HTMLInputElement).value = v), next);
    await submit(page, 'owner@contoso.test');
    expect(new URL(page.url()).origin).toBe(ours);
    await expect(page).toHaveURL(/\/admin\/w\/contoso-msp$/);
    expect(leaks).toEqual([]);
  });
}

test('a safe next is honoured (positive control)', async ({ page, baseURL }) => {
  await page.goto('/login?next=' + encodeURIComponent('/admin/operations'));
  await submit(page, 'owner@contoso.test');
  expect(new URL(page.url()).origin).toBe(new URL(baseURL!).origin);
  await expect(page).toHaveURL(/\/admin\/operations$/);
});
