// Helpers of the console's browser test: Chromium from Debian driven by playwright-core, axe-core run in the page
// (through the DevTools protocol, so the page's CSP stays on), sign-in, and screenshots saved as test artifacts.

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import axe from 'axe-core';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = join(import.meta.dirname, '../../test-artifacts/console');

export function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}

/** axe-core's own source, to run in the page (the package exports it as `source` for this use). */
const axeSource = () => axe.source;

/** Serious or critical axe-core violations on the page, as `id: target` lines. */
export async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(`${axeSource()};0`);
  const res = (await page.evaluate(
    '(async () => { const r = await axe.run(document, { resultTypes: ["violations"] }); return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" ")) })); })()',
  )) as { id: string; impact: string; nodes: string[] }[];
  return res
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.join(', ')}`);
}

/** A fresh browser context signed in to the console at `url` with `token` (typed into the form, as a user does). */
export async function signedIn(
  browser: Browser,
  url: string,
  token: string,
): Promise<{ ctx: BrowserContext; page: Page }> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 }, acceptDownloads: true });
  const page = await ctx.newPage();
  await page.goto(url);
  await page.fill('#token', token);
  await page.click('button[type=submit]');
  await page.waitForSelector('#live');
  assert.ok(!page.url().includes(token), 'the token is never in a URL');
  return { ctx, page };
}

/** Saves a full-page screenshot as test-artifacts/console/NAME.png. */
export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Checks a page at 375 px: no horizontal scrolling of the page itself, and axe finds nothing serious. */
export async function narrowAndAccessible(page: Page, name: string): Promise<void> {
  assert.deepEqual(await axeViolations(page), [], `${name}: axe serious/critical violations`);
  await page.setViewportSize({ width: 375, height: 800 });
  const overflow = await page.evaluate('document.documentElement.scrollWidth');
  assert.ok(Number(overflow) <= 375, `${name}: the page is ${overflow} px wide at 375 px`);
  await shot(page, `${name}-375`);
  await page.setViewportSize({ width: 1280, height: 860 });
}
