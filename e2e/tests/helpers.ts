import AxeBuilder from '@axe-core/playwright';
import { expect, test as base, type Locator, type Page } from '@playwright/test';
import path from 'node:path';

/** Password given to `tenantpilot demo seed` by scripts/server.mjs. */
export const DEMO_PASSWORD = process.env.E2E_DEMO_PASSWORD || 'e2e-demo-pass';

/** The phone width every page state must fit without sideways scroll. */
const PHONE = { width: 390, height: 844 };
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** What went wrong on one page state, kept until the test's teardown. */
type Finding = string;

const findings = new WeakMap<Page, Finding[]>();
/** Pages whose current document has not been checked yet (set on every main-frame load). */
const dirty = new WeakSet<Page>();
/** Pages with a check in progress: the checker's own actions must not re-enter it. */
const checking = new WeakSet<Page>();

/**
 * Checks the page as it is now: 0 critical/serious axe violations, and no sideways scroll at
 * 390 px. Findings are collected; the fixture fails the test at teardown. A spec calls this
 * itself for a state reached without a load (a JS update, an opened dialog).
 */
export async function checkState(page: Page): Promise<void> {
  if (page.isClosed() || checking.has(page)) return;
  checking.add(page);
  try {
    await page.waitForLoadState('load');
    const isHtml = await page.evaluate(
      () => document.contentType === 'text/html' && !!document.body,
    );
    if (!isHtml || page.url().startsWith('about:')) return;
    const url = page.url();
    const list = findings.get(page) ?? [];
    findings.set(page, list);

    const axe = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
    for (const v of axe.violations) {
      if (v.impact !== 'critical' && v.impact !== 'serious') continue;
      const targets = v.nodes.slice(0, 5).map((n) => `      ${n.target.join(' ')}: ${n.failureSummary?.split('\n')[1]?.trim() ?? ''}`);
      list.push(`${url}\n    axe ${v.impact} ${v.id}: ${v.help}\n${targets.join('\n')}`);
    }

    const before = page.viewportSize();
    await page.setViewportSize(PHONE);
    try {
      const overflow = await page.evaluate(() => {
        const root = document.documentElement;
        if (root.scrollWidth <= root.clientWidth) return null;
        const limit = root.clientWidth + 1;
        const out: string[] = [];
        for (const el of Array.from(document.body.querySelectorAll('*'))) {
          const r = el.getBoundingClientRect();
          if (r.width === 0 || r.right <= limit) continue;
          // Report the outermost offenders: skip an element whose parent already sticks out.
          const parent = el.parentElement;
          if (parent && parent !== document.body && parent.getBoundingClientRect().right > limit) continue;
          const id = el.id ? `#${el.id}` : '';
          const cls = typeof el.className === 'string' && el.className ? `.${el.className.trim().split(/\s+/).join('.')}` : '';
          out.push(`${el.tagName.toLowerCase()}${id}${cls} (right ${Math.round(r.right)})`);
          if (out.length >= 5) break;
        }
        return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, out };
      });
      if (overflow) {
        list.push(
          `${url}\n    sideways scroll at ${PHONE.width} px: scrollWidth ${overflow.scrollWidth} > clientWidth ${overflow.clientWidth}\n` +
            overflow.out.map((o) => `      ${o}`).join('\n'),
        );
      }
    } finally {
      if (before) await page.setViewportSize(before);
    }
  } finally {
    checking.delete(page);
  }
}

async function checkIfDirty(page: Page): Promise<void> {
  if (!dirty.has(page) || checking.has(page)) return;
  dirty.delete(page);
  await checkState(page);
}

type Fn = (...args: any[]) => Promise<any>;

/** Wraps `obj[name]` so the page's pending state is checked before the action runs. */
function guard(obj: any, name: string, pageOf: (self: any) => Page): void {
  const original: Fn = obj[name];
  if (typeof original !== 'function' || (original as any).__checked) return;
  const wrapped = async function (this: any, ...args: any[]) {
    await checkIfDirty(pageOf(this));
    return original.apply(this, args);
  };
  (wrapped as any).__checked = true;
  obj[name] = wrapped;
}

/** Locator's prototype is shared by every locator: patch it once. */
let locatorPatched = false;
function patchLocator(sample: Locator): void {
  if (locatorPatched) return;
  locatorPatched = true;
  const proto = Object.getPrototypeOf(sample);
  for (const name of ['click', 'fill', 'check', 'selectOption', 'press', 'setInputFiles']) {
    guard(proto, name, (self: Locator) => self.page());
  }
}

/** Pages watched during the current test: the fixture's own and any a spec adds with `watch`. */
let watched: Page[] = [];

/**
 * Checks every state of `page` like the fixture's own page: for a page of a second browser
 * context (`browser.newContext()`), which the fixture cannot see by itself.
 */
export function watch(page: Page): Page {
  if (watched.includes(page)) return page;
  watched.push(page);
  findings.set(page, findings.get(page) ?? []);
  page.on('load', () => dirty.add(page));
  page.on('domcontentloaded', () => dirty.add(page));
  // Non-HTML answers (JSON, CSV, downloads) are skipped by checkState's content-type check.
  for (const name of ['goto', 'reload', 'click', 'fill']) guard(page, name, () => page);
  patchLocator(page.locator('body'));
  return page;
}

/** Playwright's `test` whose `page` checks every page state the test visits (see checkState). */
export const test = base.extend({
  page: async ({ page }, use) => {
    watched = [];
    watch(page);

    await use(page);

    const list: string[] = [];
    for (const p of watched) {
      await checkIfDirty(p);
      list.push(...(findings.get(p) ?? []));
    }
    watched = [];
    const unique = [...new Set(list)];
    expect(unique, `accessibility / 390 px findings:\n  ${unique.join('\n  ')}`).toEqual([]);
  },
});

export { expect };

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
