// What every browser test shares: the server address, the screenshot folder, one
// headless Chromium, and the axe-core check (no serious or critical violation).
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const axePath = require.resolve('axe-core/axe.min.js');
export const BASE = process.env.ONETRIP_URL ?? 'http://127.0.0.1:8080';
export const SHOTS = new URL('./screenshots/', import.meta.url).pathname;
mkdirSync(SHOTS, { recursive: true });

export const chrome = { browser: undefined };
/** Options of every browser context: the server's certificate is self-signed in tests. */
export const contextOptions = { bypassCSP: true, locale: 'zh-CN', ignoreHTTPSErrors: true };
before(async () => {
  chrome.browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--ignore-certificate-errors'],
  });
});
after(async () => { await chrome.browser?.close(); });

export async function axe(page, label) {
  await page.addScriptTag({ path: axePath });
  const result = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`), [], `accessibility on ${label}`);
}
