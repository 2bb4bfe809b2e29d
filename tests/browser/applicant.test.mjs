// The applicant's side in a browser: a citizen applies online for 高龄津贴申领 from its guide,
// one question per page, uploads a photo of the ID card, sees everything missing before
// submitting, gets a case number, and follows the case through the back office's decisions
// to its result and receipt; the same at phone width in large-text mode (text measured in
// pixels); a relative applies for an elderly parent under a representation; a window
// application is confirmed by the citizen on the second screen. axe-core must report no
// serious or critical violation on each page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, SHOTS, chrome, axe, contextOptions, signIn, decide } from './common.mjs';

const PERSON = '331199195603120026';
const PASSWORD = 'onetrip-demo-2026';
const GAOLING = '11331199MB1A001006000105001000';
/** The smallest PNG a phone camera could send: a real 1x1 image. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

async function shoot(page, name) {
  const size = page.viewportSize();
  await page.screenshot({ path: `${SHOTS}applicant-${name}-${size.width}.png`, fullPage: true });
}

/** Signs an applicant in with their ID number and password. */
async function signInApplicant(page, login, password = PASSWORD, next = '') {
  await page.goto(`${BASE}/login${next ? `?next=${encodeURIComponent(next)}` : ''}`);
  await page.getByLabel('登录名').fill(login);
  await page.getByLabel('密码').fill(password);
  await page.getByRole('button', { name: '登录' }).click();
}

/** Answers the old-age allowance's questions, one page each, checking each page. */
async function answerQuestions(page, role, phone) {
  const answers = [
    ['申请人', role],
    ['老人姓名', '王𠈌'],
    ['老人身份证号', PERSON],
    ['联系电话', phone],
    ['居住地址', '青溪县石门镇石门村 12 号'],
  ];
  for (const [i, [label, value]] of answers.entries()) {
    await page.waitForURL(new RegExp(`/q/${i}$`));
    assert.equal((await page.locator('h1').innerText()).trim(), label, `question ${i + 1} is ${label}`);
    if (i === 0) {
      await axe(page, 'a question page');
      await page.getByRole('radio', { name: value }).check();
    } else if (label === '老人身份证号') {
      // A wrong number first: the error summary at the top links to the field.
      await page.getByLabel(label).fill('12345');
      await page.getByRole('button', { name: '继续' }).click();
      await page.locator('#problems a[href="#f-elder_id"]').waitFor();
      await axe(page, 'a question page with its error summary');
      await page.getByLabel(label).fill(value);
    } else {
      await page.getByLabel(label).fill(value);
    }
    await page.getByRole('button', { name: '继续' }).click();
  }
  await page.waitForURL(/\/materials$/);
}

/** Uploads the PNG for a material on the materials page. */
async function upload(page, material, name) {
  const section = page.locator(`#m-${material}`);
  await section.locator('input[type=file]').setInputFiles({ name, mimeType: 'image/png', buffer: PNG });
  await section.getByRole('button', { name: '上传' }).click();
  await page.waitForURL(/\/materials$/);
  await section.getByRole('link', { name }).waitFor();
}

/** From the check page: consent to data sharing, then submit; the new case's id and number. */
async function consentAndSubmit(page) {
  assert.ok(await page.locator('#submit').isDisabled(), 'nothing is submitted while something is missing');
  await page.getByRole('checkbox', { name: /授权部门调取共享数据/ }).check();
  await page.getByRole('button', { name: '保存送达方式和授权' }).click();
  await page.waitForURL(/\/check$/);
  assert.equal(await page.locator('#problems').count(), 0, 'nothing missing any more');
  await axe(page, 'check your answers');
  await page.getByRole('button', { name: '提交申请' }).click();
  await page.waitForURL(/\/my\/cases\/.+\?submitted=1$/);
  const number = (await page.locator('#case-number').innerText()).trim();
  const id = new URL(page.url()).pathname.split('/').pop();
  return { id, number };
}

/** A staff page action in a context of its own: sign in, open the case, press a button. */
async function atWindow(login, id, button, after = /done=/) {
  const context = await chrome.browser.newContext({ viewport: { width: 1280, height: 900 }, ...contextOptions });
  try {
    const page = await signIn(context, login);
    await page.goto(`${BASE}/cases/${id}`);
    await page.locator(button).click();
    await page.waitForURL(after, { timeout: 10000 }).catch(async (e) => {
      const why = await page.locator('#case-error').innerText().catch(() => page.content());
      throw new Error(`${button} on ${id}: ${why}`, { cause: e });
    });
    await page.goto(`${BASE}/cases/${id}`);
    return (await page.locator('#case-state').innerText()).trim();
  } finally {
    await context.close();
  }
}

test('a citizen applies online, uploads, and follows the case to its result', async () => {
  const context = await chrome.browser.newContext({ viewport: { width: 1280, height: 900 }, ...contextOptions });
  try {
    const page = await context.newPage();
    await page.goto(`${BASE}/guide/${GAOLING}`);
    await page.getByRole('link', { name: '在线申请' }).click();
    await page.waitForURL(/\/apply\//);
    await page.getByRole('link', { name: '登录后申请' }).click();
    await page.waitForURL(/\/login/);
    await page.getByLabel('登录名').fill(PERSON);
    await page.getByLabel('密码').fill(PASSWORD);
    await page.getByRole('button', { name: '登录' }).click();
    await page.waitForURL(/\/apply\//);
    await axe(page, 'apply start');
    await page.getByRole('button', { name: '开始填写' }).click();
    await answerQuestions(page, '本人', '13800000001');

    await axe(page, 'materials');
    await upload(page, 'id_card', '身份证正面.png');
    await shoot(page, '1-materials');
    await page.getByRole('link', { name: '继续' }).click();
    await page.waitForURL(/\/check$/);
    await page.locator('#problems').getByText('居民户口簿').waitFor();
    const { id, number } = await consentAndSubmit(page);
    await axe(page, 'confirmation');
    await shoot(page, '2-confirmation');
    assert.match(number, /^331199-\d{2}-\d{8}-\d+$/);

    // The window accepts it; the applicant sees it and has a receipt.
    assert.equal(await atWindow('clerk', id, '#accept'), '办理中');
    await page.goto(`${BASE}/my/cases`);
    await page.locator('#messages').getByText(number).waitFor();
    await page.goto(`${BASE}/my/cases/${id}`);
    await page.locator('#current').getByText('乡镇初审与公示').waitFor();
    await page.getByRole('link', { name: '受理回执' }).click();
    await page.waitForURL(/\/receipt$/);
    await axe(page, 'receipt');
    assert.equal((await page.locator('#receipt-number').innerText()).trim(), number);
    assert.ok(await page.locator('#follow-qr svg').isVisible(), 'the QR code to follow the case');
    assert.match(await page.locator('#visits').innerText(), /不用跑窗口/);
    await page.emulateMedia({ media: 'print' });
    await shoot(page, '3-receipt');
    await page.emulateMedia({ media: 'screen' });

    // The back office decides; the window concludes; the applicant sees each step.
    await decide('handler', number);
    await decide('approver', number);
    assert.equal(await atWindow('clerk', id, '#conclude', /\/decision$/), '已办结，待送达');
    await page.goto(`${BASE}/my/cases/${id}`);
    const steps = await page.locator('#timeline li').allInnerTexts();
    const actions = steps.map((s) => s.split('·').pop().trim().split('：')[0]);
    assert.deepEqual(actions, ['提交申请', '受理', '签收', '通过', '签收', '通过', '办结']);
    assert.ok(steps.every((s) => s.includes('青溪县民政局')), 'each step names the department');
    assert.ok(!steps.some((s) => /clerk|handler|approver/.test(s)), 'and never the person');
    await axe(page, 'timeline');
    await shoot(page, '4-timeline');
  } finally {
    await context.close();
  }
});

test('the same journey at phone width in large-text mode', async () => {
  const context = await chrome.browser.newContext({ viewport: { width: 375, height: 800 }, ...contextOptions });
  try {
    const page = await context.newPage();
    await page.goto(`${BASE}/?text=large`);
    await signInApplicant(page, PERSON, PASSWORD, `/apply/${GAOLING}`);
    await page.waitForURL(/\/apply\//);
    const px = async (selector) => parseFloat(await page.locator(selector).first().evaluate((e) => getComputedStyle(e).fontSize));
    assert.ok(await px('html') >= 30, `large text at phone width: ${await px('html')}px`);
    assert.ok(await px('main p') >= 24, `body text at phone width: ${await px('main p')}px`);
    await page.getByRole('button', { name: '开始填写' }).click();
    await answerQuestions(page, '本人', '13800000001');
    const button = await page.locator('section#m-id_card button').first().boundingBox();
    assert.ok(button.height >= 48, `a target a thumb can hit: ${button.height}px`);
    await upload(page, 'id_card', '身份证.png');
    await page.getByRole('link', { name: '继续' }).click();
    await page.waitForURL(/\/check$/);
    const { number } = await consentAndSubmit(page);
    assert.ok(await px('#case-number') >= 24, `the case number is large: ${await px('#case-number')}px`);
    await axe(page, 'confirmation in large text');
    await shoot(page, '5-large-confirmation');
    assert.ok(number);
  } finally {
    await context.close();
  }
});

/** A random resident ID number with a correct check digit. */
function residentId() {
  const body = `33119919${String(70 + Math.floor(Math.random() * 29))}${String(1 + Math.floor(Math.random() * 9)).padStart(2, '0')}${String(10 + Math.floor(Math.random() * 18))}${String(Math.floor(Math.random() * 999)).padStart(3, '0')}`;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((s, d, i) => s + Number(d) * w[i], 0);
  return body + '10X98765432'[sum % 11];
}

test('a relative applies online for an elderly parent under a representation', async () => {
  const relative = await chrome.browser.newContext({ viewport: { width: 375, height: 800 }, ...contextOptions });
  const window = await chrome.browser.newContext({ viewport: { width: 1280, height: 900 }, ...contextOptions });
  try {
    const page = await relative.newPage();
    await page.goto(`${BASE}/`);
    const id = residentId();
    const me = await page.evaluate(async ({ id }) => {
      const r = await fetch('/api/v1/applicants', {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: '王小溪', document_number: id, phone: '13800000005', password: '溪水长流桃花又开了' }),
      });
      if (r.status !== 201) throw new Error(`registration: ${r.status} ${await r.text()}`);
      return (await (await fetch('/api/v1/me')).json()).id;
    }, { id });

    // The clerk records the representation (the relationship was shown at the window).
    const clerk = await signIn(window, 'clerk');
    await clerk.evaluate(async ({ me, person }) => {
      const who = await (await fetch('/api/v1/me')).json();
      const found = await fetch('/api/v1/people/lookup', {
        method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': who.csrf_token },
        body: JSON.stringify({ document_number: person }),
      });
      const elder = (await found.json())[0].id;
      const r = await fetch('/api/v1/representations', {
        method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': who.csrf_token },
        body: JSON.stringify({ agent: me, principal_kind: 'person', principal: elder, capacity: 'relative',
          valid_from: '2026-01-01', authorization: '户口簿亲属关系 2026-12' }),
      });
      if (r.status !== 201) throw new Error(`representation: ${r.status} ${await r.text()}`);
    }, { me, person: PERSON });

    await page.goto(`${BASE}/apply/${GAOLING}`);
    await axe(page, 'apply start for someone');
    await page.getByRole('radio', { name: '代为申请：王𠈌' }).check();
    await page.getByRole('button', { name: '开始填写' }).click();
    await answerQuestions(page, '代办人', '13800000005');
    await upload(page, 'id_card', '老人身份证.png');
    await upload(page, 'agent_id_card', '我的身份证.png');
    await page.getByRole('link', { name: '继续' }).click();
    await page.waitForURL(/\/check$/);
    assert.match(await page.locator('main .meta').innerText(), /代为申请：王𠈌/);
    const { id: caseId } = await consentAndSubmit(page);
    await shoot(page, '6-relative');

    await clerk.goto(`${BASE}/cases/${caseId}`);
    assert.ok(await clerk.getByText('王小溪').first().isVisible(), 'the case shows the agent');
    assert.ok(await clerk.getByText('王𠈌').first().isVisible(), 'and the applicant');
  } finally {
    await relative.close();
    await window.close();
  }
});

test('a window application is confirmed by the citizen on the second screen', async () => {
  const context = await chrome.browser.newContext({ viewport: { width: 1280, height: 900 }, ...contextOptions });
  try {
    const page = await signIn(context, 'clerk');
    const id = await page.evaluate(async ({ person, matter }) => {
      const who = await (await fetch('/api/v1/me')).json();
      const r = await fetch('/api/v1/applications', {
        method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': who.csrf_token },
        body: JSON.stringify({ matter, applicant: { document_number: person },
          form: { applicant_role: '本人', elder_name: '王𠈌', elder_id: person, phone: '13800000001', address: '青溪县石门镇石门村 12 号' },
          materials: { id_card: 'original', household_register: 'electronic' } }),
      });
      return (await r.json()).cases[0].id;
    }, { person: PERSON, matter: GAOLING });
    await page.goto(`${BASE}/cases/${id}`);
    const [screen] = await Promise.all([context.waitForEvent('page'), page.locator('#open-screen').click()]);
    await screen.waitForLoadState();
    await screen.setViewportSize({ width: 1024, height: 768 });
    await screen.locator('#screen-application').getByText('王𠈌').first().waitFor();
    assert.ok(!(await screen.content()).includes(PERSON), 'the ID number is masked on the citizen\'s screen');
    const size = parseFloat(await screen.locator('#screen-application dd').first().evaluate((e) => getComputedStyle(e).fontSize));
    assert.ok(size >= 28, `large type on the second screen: ${size}px`);
    await axe(screen, 'second screen');
    await screen.screenshot({ path: `${SHOTS}applicant-7-second-screen-1024.png`, fullPage: true });
    await screen.getByRole('button', { name: '内容无误，确认' }).click();
    await screen.locator('#screen-done').waitFor();
    await page.reload();
    assert.match(await page.locator('#confirmation').innerText(), /副屏确认/);
  } finally {
    await context.close();
  }
});
