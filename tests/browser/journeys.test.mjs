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

/** The computed size, in pixels, of a page's body text and main heading. */
async function sizes(page) {
  return page.evaluate(() => {
    const px = (el) => parseFloat(getComputedStyle(el).fontSize);
    return { text: px(document.querySelector('main p, main li')), heading: px(document.querySelector('main h1')) };
  });
}

for (const [name, width, height] of [['phone', 375, 812], ['desktop', 1280, 900]]) {
  test(`large-text mode enlarges the text at ${name} width and is remembered`, async () => {
    const context = await chrome.browser.newContext({ viewport: { width, height }, ...contextOptions });
    const page = await context.newPage();
    try {
      const guide = `${BASE}/guide/11331199MB1A001006000105001000`;
      await page.goto(guide);
      const normal = await sizes(page);
      assert.ok(normal.text >= (name === 'phone' ? 18 : 20), `normal text ${normal.text}px`);
      await page.getByRole('link', { name: '大字模式' }).click();
      await page.waitForURL(/text=large/);
      const large = await sizes(page);
      assert.ok(large.text >= 1.4 * normal.text, `text ${normal.text}px -> ${large.text}px`);
      assert.ok(large.heading >= 1.4 * normal.heading, `heading ${normal.heading}px -> ${large.heading}px`);
      await page.screenshot({ path: `${SHOTS}${name}-6-guide-large.png`, fullPage: false });
      await axe(page, 'guide in large text');
      // The choice is remembered on the next page, and switched off again.
      await page.goto(`${BASE}/`);
      assert.ok((await sizes(page)).text >= 1.4 * normal.text, 'remembered');
      await page.getByRole('link', { name: '标准字号' }).click();
      await page.waitForURL(/text=normal/);
      assert.equal((await sizes(page)).text, normal.text);
    } catch (e) {
      await page.screenshot({ path: `${SHOTS}${name}-large-failure.png`, fullPage: true }).catch(() => {});
      throw e;
    } finally {
      await context.close();
    }
  });
}
