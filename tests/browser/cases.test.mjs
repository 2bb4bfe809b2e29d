// The reform's promise, in a browser: a walk-in at the county centre applies for temporary
// relief, a civil-affairs matter the centre's general window accepts under delegation; three
// back-office people of the bureau survey, review and approve it from their inboxes; the
// result is handed out at a third window, in a township hall. Screenshots at phone and
// desktop width; axe-core must report no serious or critical violation on each page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, SHOTS, chrome, axe, contextOptions, signIn, decide } from './common.mjs';

const PERSON = '331199195603120026';

/** A form field by its label, which may go on with 必填 (required) or a hint. */
const field = (page, label) => page.getByLabel(new RegExp(`^${label}(\\s|$)`));

async function shoot(page, name) {
  await page.setViewportSize({ width: 375, height: 800 });
  await page.screenshot({ path: `${SHOTS}case-${name}-375.png`, fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: `${SHOTS}case-${name}-1280.png`, fullPage: true });
}

test('a walk-in is accepted at one window, decided by three people, handed out at another', async () => {
  const context = await chrome.browser.newContext({ viewport: { width: 1280, height: 900 }, ...contextOptions });
  let number;
  let caseUrl;
  try {
    const page = await signIn(context, 'clerk');
    await page.goto(`${BASE}/window`);
    await axe(page, 'window');
    await page.getByLabel('证件号码', { exact: true }).fill(PERSON);
    await page.getByRole('button', { name: '查找' }).click();
    await page.waitForURL(/\/window\?person=/);
    assert.ok(await page.getByText('331199********0026').isVisible(), 'the number is masked');
    await page.getByLabel(/事项/).selectOption({ label: '临时救助申请' });
    await shoot(page, '1-window');
    await page.getByRole('button', { name: '填写申请' }).click();
    await page.waitForURL(/\/window\/new/);
    await axe(page, 'application form');

    // The form as the catalog defines it; one answer wrong at first.
    await field(page, '户籍情况').selectOption('本县户籍');
    await field(page, '遇到的困难').selectOption('家人突发重病');
    await field(page, '申请人姓名').fill('王𠈌');
    await field(page, '申请人身份证号').fill(PERSON);
    await field(page, '困难发生日期').fill('2026-11-20');
    await field(page, '困难情况简要说明').fill('老伴突发脑梗住院，自付医疗费用较多');
    await field(page, '联系电话').fill('1380000');
    await shoot(page, '2-form');
    await page.getByRole('button', { name: '提交申请' }).click();
    await page.waitForURL(/\/cases\//);
    await page.locator('#gap-list').getByText('联系电话：手机号码不正确').waitFor();
    assert.equal(await page.locator('#accept').count(), 0, 'nothing to accept while something is wrong');
    caseUrl = page.url().split('?')[0];
    number = (await page.locator('#case-number').innerText()).trim();

    // The complete notice, printable; then the corrected form, taken back and accepted.
    await page.getByRole('button', { name: '出具一次性告知书' }).click();
    await page.waitForURL(/\/notice$/);
    await page.locator('#notice-items').getByText('联系电话：手机号码不正确').waitFor();
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.locator('header.site').isVisible(), false, 'no navigation on paper');
    await page.emulateMedia({ media: 'screen' });
    await page.goto(caseUrl);
    await page.getByRole('link', { name: '材料已补齐，重新受理' }).click();
    await field(page, '联系电话').fill('13800000001');
    await page.getByRole('button', { name: '提交申请' }).click();
    await page.waitForURL(/done=resubmitted/);
    await page.locator('#accept').click();
    await page.waitForURL(/done=accepted/);
    assert.equal(await page.locator('#case-state').innerText(), '办理中');
    await shoot(page, '3-accepted');
    await axe(page, 'accepted case');
  } finally {
    await context.close();
  }

  await decide('handler', number);
  await decide('reviewer', number);
  await decide('approver', number);

  // A township hall's window concludes and hands the decision out.
  const township = await chrome.browser.newContext({ viewport: { width: 1280, height: 900 }, ...contextOptions });
  try {
    const page = await signIn(township, 'shimen.window');
    await page.goto(`${BASE}/window`);
    await page.getByRole('link', { name: number }).click();
    assert.equal(await page.locator('#case-state').innerText(), '已审批，待办结');
    await page.locator('#conclude').click();
    await page.waitForURL(/\/decision$/);
    assert.ok(await page.getByText('准予许可').isVisible());
    assert.ok(await page.getByText(number).first().isVisible());
    await shoot(page, '4-decision');
    await axe(page, 'decision');
    await page.goto(caseUrl);
    await page.getByRole('radio', { name: '窗口领取' }).check();
    await page.locator('#deliver').click();
    await page.waitForURL(/done=delivered/);
    assert.equal(await page.locator('#case-state').innerText(), '已送达');
    const journal = await page.locator('#journal-table tbody tr').allInnerTexts();
    const actions = journal.map((r) => r.split('\t')[3]);
    assert.deepEqual(actions, ['提交申请', '一次性告知', '补齐后重新提交', '受理', '签收', '通过', '签收', '通过', '签收', '通过', '办结', '送达']);
    const size = await page.locator('body').evaluate((b) => getComputedStyle(b).fontSize);
    assert.ok(parseFloat(size) >= 20, `base text ${size} is at least 20px`);
    await shoot(page, '5-delivered');
  } finally {
    await township.close();
  }
});
