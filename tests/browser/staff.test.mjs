// Headless Chromium signs a window clerk in as a clerk would: login name and password,
// then the six-digit code (read from the demo banner, which stands in for the phone),
// lands on "my account", and signs out. A wrong code is refused first. Screenshots at
// desktop width; axe-core must report no serious or critical violation.
import { test } from 'node:test';
import { appendFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { BASE, SHOTS, chrome, axe, contextOptions, signIn, freshCode } from './common.mjs';

/** Secrets the browser saw, for the scan of logs and data that follows the run. */
function remember(secret) {
  if (process.env.ONETRIP_SECRETS_OUT && secret) appendFileSync(process.env.ONETRIP_SECRETS_OUT, `${secret}\n`);
}

test('a window clerk signs in with password and one-time code, then signs out', async () => {
  const context = await chrome.browser.newContext({ viewport: { width: 1280, height: 900 }, ...contextOptions });
  const page = await context.newPage();
  try {
    await page.goto(`${BASE}/me`);
    await page.waitForURL(/\/login\?next=/);
    await page.screenshot({ path: `${SHOTS}staff-1-login.png`, fullPage: true });
    await axe(page, 'login');
    const password = (await page.locator('.banner.demo p .code').innerText()).trim();

    await page.getByLabel('登录名').fill('clerk');
    await page.getByLabel('密码').fill(password);
    await page.getByRole('button', { name: '登录' }).click();
    await page.waitForURL(/\/login\/second-factor/);
    await axe(page, 'second factor');

    await page.getByLabel('6 位验证码').fill('000000');
    await page.getByRole('button', { name: '确认' }).click();
    assert.ok(await page.getByRole('alert').isVisible(), 'a wrong code is refused with a message');

    const code = await freshCode(context, 'clerk');
    await page.getByLabel('6 位验证码').fill(code);
    await page.getByRole('button', { name: '确认' }).click();
    await page.waitForURL(/\/me$/);
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), '我的账号');
    assert.ok(await page.getByText('综合窗口').first().isVisible());
    await page.screenshot({ path: `${SHOTS}staff-2-me.png`, fullPage: true });
    await axe(page, 'my account');

    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name.endsWith('onetrip-session'));
    assert.ok(session?.httpOnly, 'the session cookie is HttpOnly');
    remember(session?.value);
    assert.equal(session?.sameSite, 'Lax');
    if (BASE.startsWith('https://')) {
      assert.equal(session.name, '__Host-onetrip-session', 'over HTTPS the cookie is __Host- prefixed');
      assert.ok(session.secure, 'and Secure');
    }

    await page.getByRole('button', { name: '退出' }).click();
    await page.waitForURL(`${BASE}/`);
    await page.goto(`${BASE}/me`);
    await page.waitForURL(/\/login\?next=/);
  } finally {
    await context.close();
  }
});

test('a department system\'s account issues its own API token on its account page; it works and is never stored in clear', async () => {
  const context = await chrome.browser.newContext({ viewport: { width: 1280, height: 900 }, ...contextOptions });
  try {
    const page = await signIn(context, 'clerk');
    const session = (await context.cookies()).find((c) => c.name.endsWith('onetrip-session'));
    remember(session?.value);
    await page.getByLabel('令牌名称（如：民政局业务系统）').fill('民政局业务系统');
    await page.getByLabel('有效天数（不填则直到撤销）').fill('30');
    await page.getByRole('button', { name: '签发令牌' }).click();
    const shown = page.locator('#issued-token .code');
    await shown.waitFor();
    const token = (await shown.innerText()).trim();
    assert.match(token, /^ot_/);
    remember(token);
    await page.screenshot({ path: `${SHOTS}staff-3-token.png`, fullPage: true });
    await axe(page, 'token issued');
    // Shown once: the account page lists the token by name only.
    await page.goto(`${BASE}/me`);
    assert.ok(await page.getByText('民政局业务系统').first().isVisible());
    assert.equal(await page.locator('#issued-token').count(), 0);
    assert.ok(!(await page.content()).includes(token), 'the secret is not shown again');
    // The department system uses it without any cookie.
    const system = await chrome.browser.newContext(contextOptions);
    try {
      const me = await system.request.get(`${BASE}/api/v1/me`, { headers: { Authorization: `Bearer ${token}` } });
      assert.equal(me.status(), 200);
      assert.equal((await me.json()).login, 'clerk');
      assert.equal(me.headers()['cache-control'], 'no-store');
      const none = await system.request.get(`${BASE}/api/v1/me`);
      assert.equal(none.status(), 401);
    } finally {
      await system.close();
    }
  } finally {
    await context.close();
  }
});

test('a window clerk finds an applicant by the ID number shown, checks it in person and sees it in full only on request', async () => {
  const context = await chrome.browser.newContext({ viewport: { width: 1280, height: 900 }, ...contextOptions });
  try {
    const page = await signIn(context, 'clerk');
    await page.getByRole('link', { name: '查找办事人' }).click();
    await page.waitForURL(/\/staff\/people$/);
    await axe(page, 'find an applicant');
    await page.getByLabel('证件号码', { exact: true }).fill('331199 19560312 0026');
    await page.getByRole('button', { name: '查找', exact: true }).click();
    const card = page.getByRole('region', { name: '王𠈌' });
    await card.waitFor();
    assert.ok(await card.getByText('331199********0026').isVisible(), 'the number is masked');
    assert.equal(await page.getByText('331199195603120026').count(), 0);
    await page.screenshot({ path: `${SHOTS}staff-3-people.png`, fullPage: true });
    await axe(page, 'applicant found');
    await card.getByRole('button', { name: '显示完整号码' }).click();
    await page.getByText('完整号码已显示，本次查看已记录').waitFor();
    assert.ok(await page.getByText('331199195603120026').isVisible(), 'shown in full on request');
  } finally {
    await context.close();
  }
});
