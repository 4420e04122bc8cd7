// Drives Debian's Chromium through the dashboard for host/tests/dashboard.rs.
//
//   node run.js <base-url> <token> <screenshot-dir>
//
// Conversation with the Rust test over stdio: the script signs in, checks the queue and
// prints `READY`; the test then delivers a webhook and writes one line to stdin; the
// script waits for the new red ticket to appear without a reload, goes on, and prints
// `PASS` (exit 0) or the failure (exit 1, with failure.png).
'use strict';

const path = require('node:path');
const readline = require('node:readline');
const { WAIT_MS, check, runScenario } = require('./lib');

const [baseUrl, token, shots] = process.argv.slice(2);
if (!baseUrl || !token || !shots) {
  console.error('usage: node run.js <base-url> <token> <screenshot-dir>');
  process.exit(2);
}

const HOSTILE = '<img src=x onerror=window.__pwned=1><script>window.__pwned=2</script>';
const HOSTILE_NOTE = 'Bitte stornieren Sie meine Bestellung, ich habe leider die falsche '
  + 'Größe gewählt. <img src=x onerror=window.__pwned=4>';

const stdinLines = readline.createInterface({ input: process.stdin });
const nextLine = () => new Promise((resolve, reject) => {
  stdinLines.once('line', resolve);
  stdinLines.once('close', () => reject(new Error('stdin closed before the go-ahead')));
});

async function run(page) {
  await signIn(page);
  await xssIsInert(page);
  await page.screenshot({ path: path.join(shots, '01-queue.png'), fullPage: true });
  await countdownTicks(page);
  await newRedTicketAppearsLive(page);
  await page.screenshot({ path: path.join(shots, '02-queue-live.png'), fullPage: true });
  await theServerFindsWhatTheBuyerWrote(page);
  await aSavedViewComesBack(page);
  await switchToChinese(page);
  await page.screenshot({ path: path.join(shots, '03-queue-zh.png'), fullPage: true });
  await ticketPage(page);
  await page.screenshot({ path: path.join(shots, '04-ticket.png'), fullPage: true });
}

const cardIds = (page) => page.$$eval('.lanes .ticket', (n) => n.map((x) => x.dataset.id));

// "stornieren" is only in the buyer's order note (a message of the cancellation's case),
// nowhere on the cards: the queue's search asks the server, which finds it there — with the
// chargeback of the same order. A word nobody wrote finds nothing.
async function theServerFindsWhatTheBuyerWrote(page) {
  const before = await cardIds(page);
  check(before.length === 2, `two tickets before the search: ${before}`);
  await page.fill('#filter-text', 'zebra');
  await page.waitForFunction(() => document.querySelectorAll('.lanes .ticket').length === 0,
    null, { timeout: WAIT_MS });
  await page.fill('#filter-text', 'stornieren');
  await page.waitForFunction(() => document.querySelectorAll('.lanes .ticket').length === 2,
    null, { timeout: WAIT_MS });
  const kinds = (await page.$$eval('.lanes .ticket .kind', (n) => n.map((x) => x.dataset.kind))).sort();
  check(JSON.stringify(kinds) === '["cancellation-request","chargeback"]',
    `the search finds the case the buyer wrote on and its order's other case: ${kinds}`);
  await page.fill('#filter-text', '');
  await page.waitForFunction(() => document.querySelectorAll('.lanes .ticket').length === 2,
    null, { timeout: WAIT_MS });
}

// The "overdue" view is the server's; saved under a name, it comes back from the list.
async function aSavedViewComesBack(page) {
  await page.selectOption('#filter-view', 'overdue');
  await page.waitForFunction(() => document.querySelectorAll('.lanes .ticket').length === 1,
    null, { timeout: WAIT_MS });
  const overdue = await page.getAttribute('.lanes .ticket .kind', 'data-kind');
  check(overdue === 'chargeback', `only the chargeback is past its deadline: ${overdue}`);
  page.once('dialog', (dialog) => dialog.accept('Late ones'));
  await page.click('#view-save');
  await page.selectOption('#filter-view', '');
  await page.waitForFunction(() => document.querySelectorAll('.lanes .ticket').length === 2,
    null, { timeout: WAIT_MS });
  await page.selectOption('#saved-views', 'Late ones');
  await page.waitForFunction(() => document.querySelectorAll('.lanes .ticket').length === 1,
    null, { timeout: WAIT_MS });
  check(await page.inputValue('#filter-view') === 'overdue', 'the saved view set its filter');
  await page.selectOption('#filter-view', '');
  await page.waitForFunction(() => document.querySelectorAll('.lanes .ticket').length === 2,
    null, { timeout: WAIT_MS });
}

async function signIn(page) {
  const response = await page.goto(baseUrl + '/');
  check(response.url().endsWith('/ui/'), `/ redirects to /ui/, got ${response.url()}`);
  const csp = response.headers()['content-security-policy'] || '';
  check(csp.includes("script-src 'self'"), `the page has a strict CSP, got ${JSON.stringify(csp)}`);
  await page.waitForSelector('#sign-in-view:not([hidden])', { timeout: WAIT_MS });

  await page.fill('#token', 'not-a-token');
  await page.click('#sign-in-form button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#sign-in-error').textContent.length > 0);
  check(await page.isHidden('#queue-view'), 'a wrong token does not sign in');

  await page.fill('#token', token);
  await page.click('#sign-in-form button[type=submit]');
  await page.waitForSelector('#queue-view:not([hidden])', { timeout: WAIT_MS });
  await page.waitForSelector('.ticket', { timeout: WAIT_MS });
  // Remembered across a reload: this marker would vanish if the page reloaded.
  await page.evaluate(() => { window.__noReload = true; });
}

async function xssIsInert(page) {
  const buyer = page.locator('.ticket .buyer', { hasText: 'onerror' });
  await buyer.first().waitFor({ timeout: WAIT_MS });
  const shown = await buyer.first().textContent();
  check(shown === HOSTILE, `the buyer's name shows as text, got ${JSON.stringify(shown)}`);
  const verdict = await page.evaluate(() => ({
    pwned: typeof window.__pwned,
    injected: document.querySelectorAll('#queue-view img, #queue-view script').length,
  }));
  check(verdict.pwned === 'undefined', 'the buyer text ran as script (window.__pwned is set)');
  check(verdict.injected === 0, 'the buyer text became elements');
}

async function countdownTicks(page) {
  const first = await page.locator('.ticket .countdown').first().textContent();
  // It ticks every second; a busy machine may render late, so wait for the change.
  await page.waitForFunction(
    (before) => document.querySelector('.ticket .countdown')?.textContent !== before,
    first,
    { timeout: WAIT_MS },
  );
  const later = await page.locator('.ticket .countdown').first().textContent();
  check(first !== later && /\d+h \d\dm \d\ds/.test(later), `the SLA countdown ticks: ${first} → ${later}`);
}

async function newRedTicketAppearsLive(page) {
  const before = await page.$$eval('#lane-red .ticket', (nodes) => nodes.map((n) => n.dataset.id));
  console.log('READY');
  await nextLine();
  await page.waitForFunction(
    (known) => [...document.querySelectorAll('#lane-red .ticket')]
      .some((n) => !known.includes(n.dataset.id) && n.textContent.includes('Chargeback')),
    before,
    { timeout: WAIT_MS },
  );
  check(await page.evaluate(() => window.__noReload === true), 'the page did not reload');
}

async function switchToChinese(page) {
  await page.click('#lang-toggle');
  check(await page.textContent('#queue-title') === '工单队列', 'the queue title is in Chinese');
  check(await page.getAttribute('html', 'lang') === 'zh-CN', '<html lang> follows the language');
  await page.reload();
  await page.waitForSelector('#queue-view:not([hidden])', { timeout: WAIT_MS });
  check(await page.textContent('#queue-title') === '工单队列', 'the language choice is remembered');
  // The cards name their issue kinds in Chinese too, not by the API's English names.
  const kinds = await page.$$eval('.lanes .ticket .kind', (n) => n.map((x) => [x.dataset.kind, x.textContent]));
  check(kinds.length > 0, 'the queue shows issue kinds');
  check(kinds.every(([name, text]) => text !== name && /[\u4e00-\u9fff]/.test(text)),
    `every issue kind is in Chinese: ${JSON.stringify(kinds)}`);
}

async function ticketPage(page) {
  // The cancellation's card (the chargeback of the same order shows the buyer's name too,
  // joined from the order).
  await page.locator('.ticket', { has: page.locator('.kind[data-kind="cancellation-request"]') })
    .first().locator('a').click();
  await page.waitForSelector('#ticket-view:not([hidden]) .timeline .entry', { timeout: WAIT_MS });
  const name = await page.locator('.customer dd').first().textContent();
  check(name === HOSTILE, `the customer card shows the name as text, got ${JSON.stringify(name)}`);
  await theBuyersWordsAreInTheThread(page);
  await theOrderIsBesideTheCase(page);
  await theTimelineReadsInChinese(page);
  await theTicketPageIsChinese(page);
  const pwned = await page.evaluate(() => typeof window.__pwned);
  check(pwned === 'undefined', 'the ticket page ran buyer text as script');
}

// The page is in Chinese by now: each timeline line says what happened in words, not as
// the API's key=value fields.
async function theTimelineReadsInChinese(page) {
  const types = await page.$$eval('.timeline .type', (n) => n.map((x) => x.textContent));
  check(types.length >= 3 && types.every((x) => /[\u4e00-\u9fff]/.test(x)),
    `every timeline line is named in Chinese: ${JSON.stringify(types)}`);
  const lines = await page.$$eval('.timeline .entry:not(.buyer-wrote) .what', (n) => n.map((x) => x.textContent));
  check(lines.every((l) => !/\b[a-z_]+=/.test(l)), `no raw key=value lines: ${JSON.stringify(lines)}`);
}

// Nothing the gateway or a connector wrote in English stays English on the Chinese page: the
// title is built from the ticket's kind and order, the countdown has Chinese units, the
// next step, the section titles and the timeline's lines are Chinese (names, order numbers,
// amounts and what the buyer wrote stay as they are).
async function theTicketPageIsChinese(page) {
  const english = /[A-Za-z]{3,}/;
  const title = await page.textContent('#ticket-view:not([hidden]) .ticket-head h1');
  check(/[\u4e00-\u9fff]/.test(title) && !english.test(title.replace(/#\d+/g, '')),
    `the title is Chinese: ${title}`);
  const countdown = await page.textContent('#ticket-view:not([hidden]) .ticket-head .countdown');
  check(countdown.includes('小时') && !english.test(countdown), `the countdown is Chinese: ${countdown}`);
  const next = await page.textContent('#next-step');
  check(!english.test(next), `the next step is Chinese: ${next}`);
  const headings = await page.$$eval('#ticket-view:not([hidden]) h2', (n) => n.map((x) => x.textContent));
  check(headings.length > 3 && headings.every((h) => !english.test(h)), `the sections are Chinese: ${headings}`);
  const lines = await page.$$eval('.timeline .entry:not(.buyer-wrote) .what', (n) => n.map((x) => x.textContent));
  check(lines.length >= 2 && lines.every((l) => !english.test(l)), `the timeline is Chinese: ${JSON.stringify(lines)}`);
  // The compliance guard explains itself in Chinese (the excerpt is the agent's own text).
  await page.fill('#reply-body', 'Bitte schreiben Sie an hilfe@shop-beispiel.de');
  const finding = page.locator('#reply-findings .finding[data-rule="email-address"]');
  await finding.waitFor({ timeout: WAIT_MS });
  const explained = (await finding.textContent()).replace(await finding.locator('q').textContent(), '');
  check(explained.includes('电子邮箱') && !english.test(explained), `the finding is explained in Chinese: ${explained}`);
  await page.fill('#reply-body', '');
  // Culture tips are written for the agent: Chinese on the Chinese page (the draft itself
  // is in the buyer's language).
  await page.selectOption('#reply-scenario', 'evidence-request');
  await page.click('#reply-fill');
  await page.waitForSelector('#reply-tips:not([hidden]) .tip', { timeout: WAIT_MS });
  const tips = await page.$$eval('#reply-tips .tip', (n) => n.map((x) => x.textContent));
  // (A tip may quote the English words an agent should write, such as "Eastern time".)
  const chinese = (tip) => (tip.match(/[\u4e00-\u9fff]/g) || []).length
    > (tip.match(/[A-Za-z]/g) || []).length;
  check(tips.length > 0 && tips.every(chinese), `the culture tips are Chinese: ${JSON.stringify(tips)}`);
  await page.fill('#reply-body', '');
}

// The order card: the order's name, its buyer (as text), its items with their SKUs.
async function theOrderIsBesideTheCase(page) {
  await page.waitForSelector('#order', { timeout: WAIT_MS });
  const card = await page.textContent('#order');
  check(card.includes('#9999'), `the order card names the order: ${card}`);
  const buyer = await page.locator('#order dd').nth(1).textContent();
  check(buyer === HOSTILE, `the order's buyer shows as text, got ${JSON.stringify(buyer)}`);
  const items = await page.$$eval('#order .items .item', (n) => n.map((x) => x.textContent));
  check(items.length > 0 && items.some((i) => i.includes('SKU')), `the order lists its items: ${items}`);
}

// The order note is a message of the case: verbatim, as text, its author the buyer's name
// (as text), its language German; "Translate for me" asks the translator and, with none
// installed, says so where the agent clicked.
async function theBuyersWordsAreInTheThread(page) {
  const inbound = page.locator('#conversation .message.in').first();
  await inbound.waitFor({ timeout: WAIT_MS });
  const text = await inbound.locator('.text').textContent();
  check(text === HOSTILE_NOTE, `the buyer's note shows verbatim as text, got ${JSON.stringify(text)}`);
  check(await inbound.locator('.author').textContent() === HOSTILE, 'the author is the buyer, as text');
  check(await inbound.locator('.lang').textContent() === 'de', 'the note is German');
  const injected = await page.$$eval('#conversation img, #conversation script', (n) => n.length);
  check(injected === 0, `the thread made elements from buyer text: ${injected}`);
  await inbound.locator('button.translate').click();
  await inbound.locator('.translation .flash.error').waitFor({ timeout: WAIT_MS });
  const said = await inbound.locator('.translation').textContent();
  check(said.includes('翻译插件'), `the agent is told, in Chinese, why there is no translation: ${said}`);
  await page.screenshot({ path: path.join(shots, '07b-conversation.png'), fullPage: true });
}

runScenario(shots, run).finally(() => stdinLines.close());
