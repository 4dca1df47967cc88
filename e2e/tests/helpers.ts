import { expect, test, type Page } from '@playwright/test';
import path from 'node:path';

/** Password given to `tenantpilot demo seed` by scripts/server.mjs. */
export const DEMO_PASSWORD = process.env.E2E_DEMO_PASSWORD || 'e2e-demo-pass';

/** Signs in through the login form and waits until the browser has left /login. */
export async function signIn(page: Page, email: string, password: string = DEMO_PASSWORD): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).not.toHaveURL(/\/login(\?|$)/);
}

/** Opens the header's tenant switcher (a <details> dropdown) and picks `name`. */
export async function switchTenant(page: Page, name: string): Promise<void> {
  const switcher = page.getByTestId('tenant-switcher');
  await switcher.locator('summary').click();
  await switcher.getByRole('link', { name, exact: true }).click();
}

/** Where a deliberate screenshot goes: test-results/screenshots/NAME (kept out of git). */
export function shot(name: string): string {
  return path.join(test.info().project.outputDir, 'screenshots', name);
}
