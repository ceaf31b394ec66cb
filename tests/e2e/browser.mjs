// Shared by the browser scenarios: Debian's Chromium through playwright-core, axe-core, and a few
// helpers for reading state inside the widget's shadow root.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

// Headless, offline-friendly: nothing that phones home, no first-run UI, no QUIC probing.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const require = createRequire(import.meta.url);
const AXE_SOURCE = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');

const open = new Set(); // browsers not closed yet: a failed scenario leaves its own behind

/** Closes whatever a failed scenario left open, so the next one starts clean. */
export async function closeLeftovers() {
  for (const browser of [...open]) await browser.close().catch(() => {});
}

/**
 * A fresh Chromium profile (its own user-data-dir, removed on close) with one page.
 * Playwright passes the profile as --user-data-dir itself and refuses that flag in `args`.
 * Uncaught page errors and console errors are collected; `close()` fails the scenario on them.
 */
/** The staff console in a desktop browser that may use the clipboard, before logging in. */
export async function openConsole(ctx) {
  const browser = await openBrowser({
    base: ctx.base,
    viewport: { width: 1280, height: 900 },
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  await browser.page.goto('/console');
  return browser;
}

export async function openBrowser(options) {
  const { base, viewport = { width: 1280, height: 800 }, ...rest } = options;
  const profile = await mkdtemp(path.join(tmpdir(), 'okienko-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    baseURL: base,
    viewport,
    locale: 'pl-PL',
    timezoneId: 'Europe/Warsaw',
    ...rest,
  });
  context.setDefaultTimeout(15_000);
  const page = context.pages()[0] ?? (await context.newPage());
  const problems = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    // A 4xx/5xx answer is logged by Chromium as "Failed to load resource"; the scenarios that
    // provoke one check the message shown instead.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      problems.push(`console error: ${message.text()}`);
    }
  });
  const browser = {
    context,
    page,
    async close() {
      open.delete(browser);
      await context.close();
      await rm(profile, { recursive: true, force: true });
      assert.deepEqual(problems, [], 'the page logged errors');
    },
  };
  open.add(browser);
  return browser;
}

/**
 * Runs axe-core (WCAG 2.0/2.1 A and AA, plus best practices) on the page, shadow roots included;
 * writes the full report to `<artifacts>/axe-<name>.json` and returns the violations.
 */
export async function axeScan(page, name, artifacts) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: AXE_SOURCE });
  const result = await page.evaluate(() =>
    window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
      resultTypes: ['violations'],
    }),
  );
  await mkdir(artifacts, { recursive: true });
  await writeFile(path.join(artifacts, `axe-${name}.json`), JSON.stringify(result.violations, null, 2));
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    targets: v.nodes.map((n) => n.target.join(' ')).slice(0, 5),
  }));
}

/** Fails with the list when axe found anything serious or critical. */
export function assertNoSeriousViolations(violations, where) {
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(serious, [], `axe: serious or critical violations on ${where}`);
}

/** The element that has focus, looking through shadow roots, with what a test needs of it. */
export function focused(page) {
  return page.evaluate(() => {
    let node = document.activeElement;
    while (node && node.shadowRoot && node.shadowRoot.activeElement) node = node.shadowRoot.activeElement;
    if (!node || node === document.body) return null;
    const style = getComputedStyle(node);
    return {
      tag: node.tagName.toLowerCase(),
      name: (node.getAttribute('aria-label') || node.textContent || '').replace(/\s+/g, ' ').trim(),
      classes: String(node.className),
      expanded: node.getAttribute('aria-expanded'),
      inWidget: node.getRootNode() !== document,
      focusVisible: node.matches(':focus-visible'),
      outline: { style: style.outlineStyle, width: Number.parseFloat(style.outlineWidth) },
    };
  });
}

/** Presses Tab (or Shift+Tab) until `wanted(focusedInfo)` holds; fails after `limit` presses. */
export async function tabTo(page, wanted, { back = false, limit = 40 } = {}) {
  for (let i = 0; i < limit; i += 1) {
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
    const info = await focused(page);
    if (info && wanted(info)) return info;
  }
  throw new Error(`focus never reached the wanted element within ${limit} presses of Tab`);
}

/** A visible focus indicator: the :focus-visible outline of at least 2 px. */
export function assertVisibleFocus(info) {
  assert.ok(info.focusVisible, `${info.tag} "${info.name}" has focus but not :focus-visible`);
  assert.notEqual(info.outline.style, 'none', `${info.tag} "${info.name}" shows no outline on focus`);
  assert.ok(info.outline.width >= 2, `${info.tag} "${info.name}" has a thin focus outline`);
}
