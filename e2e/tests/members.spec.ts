import { type Browser, type Page } from '@playwright/test';
import { test, expect, DEMO_PASSWORD, signIn, watch } from './helpers';

// Issue 15: an owner brings in the team from the browser.

/** A page of a browser of its own, checked like the fixture's page (axe, 390 px). */
async function newPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ locale: 'en-US' });
  return watch(await context.newPage());
}

test('an owner invites, the invitee joins in another browser and sees only the entitled tenants', async ({ page, browser }) => {
  await signIn(page, 'owner@contoso.test');
  await page.goto('/admin/w/contoso-msp/members');
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Members');
  const invite = page.getByTestId('invite-form');
  await invite.getByLabel('E-mail address').fill('new.engineer@contoso.test');
  await invite.getByLabel('Role').selectOption('operator');
  await invite.getByLabel('Only these tenants').check();
  await invite.getByLabel('Tenant ids, separated by commas').fill('contoso, fabrikam');
  await invite.getByRole('button', { name: 'Send invitation' }).click();
  const link = (await page.getByTestId('invitation-link-value').innerText()).trim();
  expect(link).toContain('/invitations/');
  await expect(page.getByTestId('invitation').filter({ hasText: 'new.engineer@contoso.test' })).toBeVisible();

  // The invitee, in a browser of their own, creates the account from the link.
  const invitee = await newPage(browser);
  await invitee.goto(new URL(link).pathname);
  await expect(invitee.getByTestId('invitation-page')).toContainText('Contoso MSP');
  await invitee.getByLabel('Display name').fill('Nia Engineer');
  await invitee.getByLabel('Password').fill('a long enough password');
  await invitee.getByTestId('accept-invitation').click();
  await expect(invitee).toHaveURL(/\/admin\/w\/contoso-msp$/);
  const list = invitee.getByTestId('tenant-list');
  await expect(list).toContainText('Contoso Ltd');
  await expect(list).toContainText('Fabrikam Inc');

  // The owner narrows the entitlement to fabrikam: the member's list shrinks on their next page.
  await page.goto('/admin/w/contoso-msp/members');
  const row = page.getByTestId('member').filter({ hasText: 'new.engineer@contoso.test' });
  await row.locator('summary').click();
  await row.getByLabel('Tenant ids, separated by commas').fill('fabrikam');
  await row.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByRole('status').first()).toContainText('saved');
  await invitee.reload();
  await expect(list).toContainText('Fabrikam Inc');
  await expect(list).not.toContainText('Contoso Ltd');

  // The used link is refused with a page that says so.
  const stranger = await newPage(browser);
  const answer = await stranger.goto(new URL(link).pathname);
  expect(answer?.status()).toBe(410);
  await expect(stranger.getByTestId('invitation-refused')).toContainText('already been accepted');
  await invitee.context().close();
  await stranger.context().close();
});

test('changing the password signs out the other session', async ({ page, browser }) => {
  await signIn(page, 'operator@contoso.test');
  const laptop = await newPage(browser);
  await signIn(laptop, 'operator@contoso.test');
  await page.goto('/account');
  // Earlier specs signed this operator in too: at least these two sessions are listed.
  expect(await page.getByTestId('session').count()).toBeGreaterThanOrEqual(2);
  const form = page.getByTestId('password-form');
  await form.getByLabel('Current password').fill(DEMO_PASSWORD);
  await form.getByLabel('New password').fill('a brand new password');
  await form.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByRole('status').first()).toContainText('password was changed');
  await expect(page.getByTestId('session')).toHaveCount(1);
  await laptop.goto('/account');
  await expect(laptop).toHaveURL(/\/login/);
  await laptop.context().close();

  // Back to the demo password: later specs sign in as this operator.
  await form.getByLabel('Current password').fill('a brand new password');
  await form.getByLabel('New password').fill(DEMO_PASSWORD);
  await form.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByRole('status').first()).toContainText('password was changed');
});
