/**
 * The dashboard in a real browser (headless Chromium, Debian's package, driven by playwright-core),
 * served by the real HTTP transport over sandbox CRMs in different states: one in sync with the
 * transport blueprint and changed through MCP, one drifted, one unreachable, one degraded whose CRM
 * reports a hostile siteUrl, and a tenant whose configured name is an HTML injection. Signs in through
 * the form, checks the fleet, sorts, filters, opens a tenant page, works by keyboard and without
 * JavaScript, loads nothing from another origin, and saves screenshots (docs/screenshots with
 * SCREENSHOTS_UPDATE=1, used by the README; else a temporary folder).
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { bearer, startHttpStack, type HttpStack } from '../helpers/http.js';
import { deadPort } from '../helpers/stack.js';
import { chromiumMissing, launchChromium } from '../helpers/chromium.js';
import { dashRequest } from '../helpers/dashboard.js';

const missing = chromiumMissing();
const OPS = 'ops-token-browser-0123456789abcdef';
const HOSTILE_NAME = `<img src=x onerror="document.title='pwned'">Ωmega "quoted" & co`;
const HOSTILE_SITE = `http://evil.example/"><script>document.title='pwned'</script>`;

let stack: HttpStack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let origin: string;
let shots: string;
const dialogs: string[] = [];
const foreignRequests: string[] = [];

/** In the page: the focused element, and whether its focus is visible. */
const FOCUS_INFO = `(() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  return { tag: el.tagName, name: el.getAttribute('name') || (el.textContent || '').trim().slice(0, 30), outline: style.outlineStyle !== 'none' || style.boxShadow !== 'none' };
})()`;

/** In the page: unlabelled controls, charts without a text alternative, text under WCAG AA contrast. */
const A11Y_PROBLEMS = `(() => {
  const out = [];
  for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
    const id = el.getAttribute('id');
    const labelled = (id && document.querySelector('label[for="' + id + '"]')) || el.closest('label') || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
    if (!labelled) out.push('unlabelled ' + el.tagName + ' ' + el.getAttribute('name'));
  }
  for (const svg of document.querySelectorAll('svg')) {
    if (svg.getAttribute('aria-hidden') === 'true') continue;
    if (!svg.getAttribute('aria-label') && !svg.querySelector('title')) out.push('a chart without a text alternative');
  }
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = (c) => {
    const f = (v) => { const s = v / 255; return s <= 0.03928 ? s / 12.92 : Math.pow((s + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length >= 3 && (c.length < 4 || c[3] > 0.5)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  for (const el of document.querySelectorAll('main *')) {
    const hasText = Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim() !== '');
    if (!hasText || el.closest('svg') || el.closest('.visually-hidden') || el.getClientRects().length === 0) continue;
    const style = getComputedStyle(el);
    const l1 = lum(rgb(style.color));
    const l2 = lum(background(el));
    const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) out.push('contrast ' + ratio.toFixed(2) + ' on "' + el.textContent.trim().slice(0, 30) + '"');
  }
  return out;
})()`;

async function shot(name: string, p: Page = page) {
  await p.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
}

describe.skipIf(missing !== undefined)(`the dashboard in headless Chromium${missing ? ` (skipped: ${missing})` : ''}`, () => {
  beforeAll(async () => {
    shots =
      process.env.SCREENSHOTS_UPDATE === '1'
        ? fileURLToPath(new URL('../../docs/screenshots', import.meta.url))
        : await mkdtemp(path.join(os.tmpdir(), 'dashboard-shots-'));
    const dead = await deadPort();
    stack = await startHttpStack(
      [
        { id: 'alpha', name: 'Alpha Transports', sandbox: { leads: 40, contacts: 10, accounts: 5 } },
        { id: 'beta', name: 'Beta Logistics', sandbox: { leads: 15 } },
        { id: 'gamma', name: 'Gamma Freight' },
        { id: 'delta', name: 'Delta Movers', sandbox: { siteUrl: HOSTILE_SITE } },
        { id: 'omega', name: HOSTILE_NAME },
      ],
      {
        http: { tokens: [{ name: 'agency-ops', token: 'env:OPS_TOKEN', tenants: '*' }] },
        env: { OPS_TOKEN: OPS },
        tenantsExtra: { gamma: { url: `http://127.0.0.1:${dead}` } },
        // Rounds only on "check now": what the pages show is what the tests did.
        dashboard: { everyMs: 'off' },
      },
    );
    origin = new URL(stack.url).origin;
    // Changes through MCP: the blueprint on alpha (in sync), then a label edit recorded with its undo call.
    const mcp = await stack.connect(bearer(OPS));
    const plan = (await mcp.callTool({ name: 'plan_blueprint', arguments: { blueprint: 'transport', tenants: ['alpha'] } })).structuredContent as { confirmToken: string };
    await mcp.callTool({ name: 'apply_blueprint', arguments: { blueprint: 'transport', tenants: ['alpha'], confirm: plan.confirmToken } });
    await mcp.callTool({ name: 'find_duplicates', arguments: { tenant: 'alpha', entities: ['Lead'] } });
    // A few rounds before the browser comes: the latency charts have a history to draw.
    for (let i = 0; i < 6; i++) {
      const res = await dashRequest(`${origin}/dashboard/check`, { form: { blueprint: 'transport' }, headers: bearer(OPS) });
      expect(res.status).toBe(303);
    }
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1600, height: 900 } });
    page = await context.newPage();
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('request', (r) => {
      if (!r.url().startsWith(origin)) foreignRequests.push(r.url());
    });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('asks for a sign-in, and signs in with the bearer token through the form', async () => {
    await page.goto(`${origin}/dashboard/`);
    expect(new URL(page.url()).pathname).toBe('/dashboard/login');
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toMatch(/Sign in/);
    await shot('sign-in');
    await page.getByLabel('Bearer token').fill(OPS);
    await Promise.all([page.waitForURL(`${origin}/dashboard/`), page.getByRole('button', { name: 'Sign in' }).click()]);
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'espocrm_mcp_dashboard');
    expect(session?.httpOnly).toBe(true);
    expect(session?.sameSite).toBe('Strict');
    // Not readable from the page.
    expect(await page.evaluate('document.cookie')).toBe('');
  });

  it('checks the fleet and shows each tenant\'s state', async () => {
    await page.goto(`${origin}/dashboard/?blueprint=transport`);
    await Promise.all([page.waitForURL(/checked=5/), page.getByRole('button', { name: /Check all now/i }).click()]);
    await expect(page.getByRole('status').first().textContent()).resolves.toMatch(/Checked 5 tenants/);
    const rows = page.locator('tr[data-tenant]');
    await expect(rows.count()).resolves.toBe(5);
    const rowText = async (id: string) => (await page.locator(`tr[data-tenant="${id}"]`).innerText()).replace(/\s+/g, ' ');
    expect(await rowText('alpha')).toMatch(/ok/);
    expect(await rowText('alpha')).toMatch(/in sync/i);
    expect(await rowText('beta')).toMatch(/\d+ differences?/);
    expect(await rowText('gamma')).toMatch(/unreachable/);
    expect(await rowText('delta')).toMatch(/degraded/);
    expect(await page.locator('tr[data-tenant="gamma"] .health').getAttribute('class')).toMatch(/health-unreachable/);
    // The latency chart of every checked row is an image with a text alternative.
    const chart = page.locator('tr[data-tenant="alpha"] svg[role="img"]');
    expect(await chart.getAttribute('aria-label')).toMatch(/Latency over the last (\d+ )?checks?: min \d+ ms/);
    await shot('fleet');
  });

  it('shows hostile names and CRM values as text: nothing runs, nothing is injected', async () => {
    const omega = page.locator('tr[data-tenant="omega"]');
    expect(await omega.innerText()).toContain(`<img src=x onerror="document.title='pwned'">Ωmega`);
    expect(await page.locator('table img').count()).toBe(0);
    await page.goto(`${origin}/dashboard/tenants/delta`);
    expect(await page.locator('main').innerText()).toContain('evil.example');
    expect(await page.locator('script').count()).toBe(0);
    expect(await page.title()).not.toContain('pwned');
    expect(dialogs).toEqual([]);
  });

  it('sorts by a column and filters, through links and a form (no script on the page)', async () => {
    await page.goto(`${origin}/dashboard/`);
    const ids = () => page.locator('tr[data-tenant]').evaluateAll((trs) => trs.map((t) => t.getAttribute('data-tenant')));
    const byName = await ids();
    await page.locator('th a', { hasText: /Tenant/ }).first().click();
    await page.waitForLoadState();
    const reversed = await ids();
    expect(reversed).toEqual([...byName].reverse());
    expect(await page.locator('th[aria-sort="descending"]').count()).toBe(1);
    await page.getByLabel('Filter by name or id').fill('logist');
    await Promise.all([page.waitForURL(/q=logist/), page.getByLabel('Filter by name or id').press('Enter')]);
    expect(await ids()).toEqual(['beta']);
    await page.goto(`${origin}/dashboard/?health=unreachable`);
    expect(await ids()).toEqual(['gamma']);
  });

  it('opens a tenant page: health history, usage, drift, the recorded change with its undo call, the last duplicate scan', async () => {
    await page.goto(`${origin}/dashboard/?blueprint=transport`);
    await Promise.all([page.waitForURL(/\/dashboard\/tenants\/alpha/), page.locator('tr[data-tenant="alpha"] a').first().click()]);
    const headings = await page.getByRole('heading', { level: 2 }).allInnerTexts();
    expect(headings.join('|')).toMatch(/Health/);
    expect(headings.join('|')).toMatch(/Usage/);
    expect(headings.join('|')).toMatch(/Drift/);
    expect(headings.join('|')).toMatch(/Recent changes/);
    expect(headings.join('|')).toMatch(/duplicate scan/i);
    const main = await page.locator('main').innerText();
    expect(main).toContain('apply_blueprint');
    expect(main).toMatch(/undo_change \{"tenant":"alpha","changeId":"chg_[a-z0-9]+_[a-f0-9]{8}"\}/);
    expect(main).toMatch(/dup_[A-Za-z0-9_-]+/);
    expect(await page.locator('main svg[role="img"]').count()).toBeGreaterThanOrEqual(2);
    await shot('tenant');
    await page.goto(`${origin}/dashboard/tenants/beta?blueprint=transport`);
    expect(await page.locator('main').innerText()).toMatch(/ecteur/);
    await shot('tenant-drifted');
  });

  it('checks one tenant from its page', async () => {
    await page.goto(`${origin}/dashboard/tenants/beta`);
    const before = (await stack.audit.healthHistory('beta', 1000)).length;
    await Promise.all([page.waitForURL(/\/dashboard\/tenants\/beta\?(.*&)?checked=1&ok=1/), page.getByRole('button', { name: /Check now/i }).click()]);
    expect((await stack.audit.healthHistory('beta', 1000)).length).toBe(before + 1);
  });

  it('works by keyboard: a skip link first, then every control reachable with a visible focus', async () => {
    await page.goto(`${origin}/dashboard/`);
    await page.keyboard.press('Tab');
    const first = (await page.evaluate("({ href: document.activeElement?.getAttribute('href') })")) as { href: string | null };
    expect(first.href).toBe('#main');
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      const info = (await page.evaluate(FOCUS_INFO)) as { tag: string; name: string; outline: boolean } | null;
      if (!info) continue;
      expect(info.outline, `${info.tag} ${info.name} shows no focus`).toBe(true);
      seen.add(`${info.tag}:${info.name}`);
    }
    expect([...seen].some((s) => s.startsWith('INPUT:q'))).toBe(true);
    expect([...seen].some((s) => s.startsWith('BUTTON'))).toBe(true);
  });

  it('labels every control, names every chart, and keeps text contrast at WCAG AA', async () => {
    for (const url of [`${origin}/dashboard/`, `${origin}/dashboard/tenants/alpha`]) {
      await page.goto(url);
      const problems = (await page.evaluate(A11Y_PROBLEMS)) as string[];
      expect(problems, url).toEqual([]);
    }
  });

  it('is readable without JavaScript, and loads nothing from another origin', async () => {
    const noJs = await browser.newContext({ javaScriptEnabled: false, storageState: await context.storageState() });
    const p = await noJs.newPage();
    await p.goto(`${origin}/dashboard/`);
    expect(await p.locator('tr[data-tenant]').count()).toBe(5);
    await noJs.close();
    expect(foreignRequests).toEqual([]);
  });
});
