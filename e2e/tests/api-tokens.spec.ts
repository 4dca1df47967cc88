import { expect, test, signIn } from './helpers';

test.describe('API tokens on the account page', () => {
  test('create shows the secret once with a copy button; revoke asks first', async ({ page, context, baseURL }) => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseURL });
    await signIn(page, 'operator@contoso.test');
    await page.goto('/account');
    const section = page.getByTestId('api-tokens');
    await section.getByLabel('Name', { exact: true }).fill('e2e script');
    await section.getByLabel('Never expires').check();
    await section.getByRole('button', { name: 'Create token' }).click();

    const secret = page.getByTestId('new-token-secret');
    await expect(secret).toHaveText(/^tp_[A-Za-z0-9_-]{43}$/);
    const value = (await secret.textContent())!.trim();
    expect(page.url()).not.toContain(value.slice(3));
    const copy = page.getByRole('button', { name: 'Copy' });
    await expect(copy).toBeVisible();
    await copy.click();
    await expect(page.getByRole('button', { name: 'Copied' })).toBeVisible();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(value);

    // Shown once: a fresh visit lists the token but not its secret.
    await page.goto('/account');
    await expect(page.getByTestId('new-token-secret')).toHaveCount(0);
    expect(await page.content()).not.toContain(value.slice(3));
    const row = page.getByTestId('token').filter({ hasText: 'e2e script' });
    await expect(row).toHaveAttribute('data-state', 'active');
    await expect(row).toContainText('No expiry');

    await row.getByRole('link', { name: /Revoke/ }).click();
    await expect(page).toHaveURL(/\/account\/tokens\/\d+\/revoke$/);
    await expect(page.getByRole('heading', { name: 'Revoke API token' })).toBeVisible();
    await page.getByRole('button', { name: 'Revoke token' }).click();
    await expect(page).toHaveURL(/\/account$/);
    await expect(page.getByRole('status')).toHaveText('The API token has been revoked.');
    await expect(page.getByTestId('token').filter({ hasText: 'e2e script' })).toHaveAttribute('data-state', 'revoked');
  });
});
