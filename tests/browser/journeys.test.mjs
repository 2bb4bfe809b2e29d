// Headless Chromium walks the main journey as a person would: search 老人补贴, open the
// guide, switch to English and back, print the materials checklist. Screenshots at phone
// (375px) and desktop (1280px) widths are saved in screenshots/; an axe-core pass must
// report no serious or critical violation on the pages visited.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, SHOTS, chrome, axe, contextOptions } from './common.mjs';

for (const [name, width, height] of [['phone', 375, 812], ['desktop', 1280, 900]]) {
  test(`search, guide, language switch and checklist at ${name} width`, async () => {
    const context = await chrome.browser.newContext({ viewport: { width, height }, ...contextOptions });
    const page = await context.newPage();
    const external = [];
    page.on('request', (r) => { if (!r.url().startsWith(BASE)) external.push(r.url()); });
    try {
      await page.goto(`${BASE}/`);
      await page.screenshot({ path: `${SHOTS}${name}-1-home.png`, fullPage: true });
      await axe(page, 'home');

      await page.getByLabel('您要办什么事？').fill('老人补贴');
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/search\?/);
      const result = page.getByRole('link', { name: '高龄津贴申领' });
      await result.waitFor();
      await page.screenshot({ path: `${SHOTS}${name}-2-search.png`, fullPage: true });
      await axe(page, 'search');

      await result.click();
      await page.waitForURL(/\/guide\//);
      assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), '高龄津贴申领');
      assert.ok(await page.getByText('要带什么材料').isVisible());
      await page.screenshot({ path: `${SHOTS}${name}-3-guide.png`, fullPage: true });
      await axe(page, 'guide');

      await page.getByRole('link', { name: 'English' }).click();
      await page.waitForURL(/lang=en/);
      assert.equal(await page.locator('html').getAttribute('lang'), 'en');
      assert.ok(await page.getByRole('heading', { name: 'What to bring' }).isVisible());
      await page.screenshot({ path: `${SHOTS}${name}-4-guide-en.png`, fullPage: true });

      await page.getByRole('link', { name: '简体中文' }).click();
      await page.waitForURL(/lang=zh-Hans/);
      assert.equal(await page.locator('html').getAttribute('lang'), 'zh-Hans');

      await page.getByRole('link', { name: '打印材料清单' }).click();
      await page.waitForURL(/\/checklist/);
      assert.ok(await page.getByRole('cell', { name: '居民身份证', exact: true }).isVisible());
      await axe(page, 'checklist');
      await page.emulateMedia({ media: 'print' });
      assert.equal(await page.locator('header.site').isVisible(), false, 'navigation is hidden in print');
      await page.screenshot({ path: `${SHOTS}${name}-5-checklist-print.png`, fullPage: true });
      if (name === 'desktop') await page.pdf({ path: `${SHOTS}checklist.pdf`, format: 'A4' });
      assert.deepEqual(external, [], 'no request leaves the server');
    } catch (e) {
      await page.screenshot({ path: `${SHOTS}${name}-failure.png`, fullPage: true }).catch(() => {});
      throw e;
    } finally {
      await context.close();
    }
  });
}
