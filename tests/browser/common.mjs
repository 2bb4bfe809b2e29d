// What every browser test shares: the server address, the screenshot folder, one
// headless Chromium, and the axe-core check (no serious or critical violation).
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

/** Signs a demo staff account in through the pages, as a person would. */
export async function signIn(context, login) {
  const page = await context.newPage();
  await page.goto(`${BASE}/login`);
  const password = (await page.locator('.banner.demo p .code').innerText()).trim();
  await page.getByLabel('登录名').fill(login);
  await page.getByLabel('密码').fill(password);
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL(/\/login\/second-factor/);
  const code = await freshCode(context, login);
  await page.getByLabel('6 位验证码').fill(code);
  await page.getByRole('button', { name: '确认' }).click();
  await page.waitForURL(/\/me$/);
  return page;
}

/** Codes already used, per account, kept in a file for this server: a code works once,
 * and each test file runs in a process of its own, so a second sign-in within the same
 * 30-second step, from any file, waits for the next code, as a person would. */
const USED = `${tmpdir()}/onetrip-used-codes-${BASE.replace(/[^0-9a-z]/gi, '_')}.json`;
const readUsed = () => { try { return JSON.parse(readFileSync(USED, 'utf8')); } catch { return {}; } };

export async function freshCode(context, login) {
  const helper = await context.newPage();
  try {
    for (let i = 0; i < 40; i++) {
      const code = await codeOf(helper, login);
      const used = readUsed();
      if (used[login] !== code) {
        writeFileSync(USED, JSON.stringify({ ...used, [login]: code }));
        return code;
      }
      await helper.waitForTimeout(1000);
    }
    throw new Error(`no new code for ${login} within 40 s`);
  } finally {
    await helper.close();
  }
}

/** The current code of a demo account, from the banner of the login page. */
async function codeOf(page, login) {
  await page.goto(`${BASE}/login`);
  const cell = page.locator('td', { hasText: new RegExp(`^${login.replace('.', '\\.')}$`) });
  const row = page.locator('.banner.demo tr').filter({ has: cell }).first();
  return (await row.locator('td').nth(2).innerText()).trim();
}

/** Signs in, claims the case's open task from the inbox and passes it. */
export async function decide(login, number) {
  const context = await chrome.browser.newContext({ viewport: { width: 1280, height: 900 }, ...contextOptions });
  try {
    const page = await signIn(context, login);
    await page.goto(`${BASE}/inbox`);
    await axe(page, `inbox of ${login}`);
    const row = page.locator('#inbox-claimable tr', { hasText: number });
    await row.getByRole('button', { name: '签收' }).click();
    await page.waitForURL(/done=claimed/);
    assert.ok(await page.getByText('已签收').first().isVisible());
    await page.getByRole('radio', { name: '通过' }).check();
    await page.getByRole('button', { name: '提交办理意见' }).click();
    await page.waitForURL(/done=decided/);
    await axe(page, `case page of ${login}`);
  } finally {
    await context.close();
  }
}
