// The Reports and Segments pages in Debian's Chromium, for host/tests/dashboard.rs: the
// server-drawn heatmap and its table with the seeded tickets (a SKU that is HTML stays
// text), the page in Chinese (its chart, notes and column headers too), the loyalty segment
// with the seeded buyer. Screenshots of
// both pages; no CSP violation and no page error (lib.js checks both).
//
//   node reports.js <base-url> <token> <screenshot-dir> <sku> <segment-email>
//
// <sku> is the SKU the seeded tickets have; <segment-email> a buyer in the
// high-loyalty-potential segment. Prints `PASS` (exit 0) or the failure (exit 1, with
// failure.png).
'use strict';

const path = require('node:path');
const { WAIT_MS, check, runScenario, signIn } = require('./lib');

const [baseUrl, token, shots, sku, email] = process.argv.slice(2);
if (!baseUrl || !token || !shots || !sku || !email) {
  console.error('usage: node reports.js <base-url> <token> <screenshot-dir> <sku> <segment-email>');
  process.exit(2);
}

const HEATMAP = '#reports-view:not([hidden]) .rp-card[data-report="heatmap"]';

async function run(page) {
  await signIn(page, baseUrl, token);
  await page.click('#nav-reports');
  await heatmapShowsTheSeededTickets(page);
  await page.screenshot({ path: path.join(shots, '20-reports.png'), fullPage: true });
  await inChinese(page);
  await page.screenshot({ path: path.join(shots, '21-reports-zh.png'), fullPage: true });
  await segmentsListTheBuyer(page);
  await page.screenshot({ path: path.join(shots, '22-segments-zh.png'), fullPage: true });
}

async function heatmapShowsTheSeededTickets(page) {
  await page.waitForSelector(HEATMAP + ' table.rp-table tbody tr', { timeout: WAIT_MS });
  check(page.url().endsWith('#/reports'), `the nav link opens #/reports, at ${page.url()}`);
  check(await page.isHidden('#queue-view'), 'the queue is hidden on the reports page');

  // The chart is the server's SVG, loaded as an image (so its text cannot run).
  const chart = page.locator(HEATMAP + ' img.rp-chart');
  check((await chart.getAttribute('src')) === '/api/reports/heatmap.svg', 'the heatmap is the server-drawn SVG');
  await page.waitForFunction(
    (selector) => {
      const img = document.querySelector(selector);
      return img && img.complete && img.naturalWidth > 0;
    },
    HEATMAP + ' img.rp-chart', { timeout: WAIT_MS });
  const svg = await page.request.get(baseUrl + '/api/reports/heatmap.svg');
  check(svg.status() === 200 && svg.headers()['content-type'].startsWith('image/svg+xml'),
    `the heatmap is served as SVG: ${svg.status()} ${svg.headers()['content-type']}`);

  // The table: the seeded SKU as text, with its count.
  const columns = await page.$$eval(HEATMAP + ' thead th', (n) => n.map((x) => x.textContent));
  check(columns.includes('sku') && columns.includes('total'), `the heatmap table has its columns: ${columns}`);
  const row = page.locator(HEATMAP + ' tbody tr', { has: page.locator('td', { hasText: sku }) });
  check(await row.count() === 1, `one heatmap row for the seeded SKU ${JSON.stringify(sku)}`);
  const cells = await row.locator('td').allTextContents();
  check(cells[columns.indexOf('sku')] === sku, `the SKU shows as text: ${JSON.stringify(cells)}`);
  check(cells[columns.indexOf('total')] === '2', `two tickets for the SKU: ${JSON.stringify(cells)}`);
  const verdict = await page.evaluate(() => ({
    pwned: typeof window.__pwned,
    injected: document.querySelectorAll('#reports-view script, #reports-view img:not(.rp-chart)').length,
  }));
  check(verdict.pwned === 'undefined' && verdict.injected === 0, 'the SKU stayed text');

  // Every report has a card, a chart and a CSV link.
  const cards = await page.$$eval('#reports-view .rp-card', (n) => n.map((x) => x.dataset.report));
  check(cards.length === 5 && cards.includes('odr'),
    `four report cards and the Amazon connector's ODR: ${cards}`);
  const odr = await page.textContent('#reports-view .rp-card[data-report="odr"] h2');
  check(odr === 'Order Defect Rate (amazon)', `the ODR card is titled as the connector says: ${odr}`);
  const csv = await page.getAttribute(HEATMAP + ' a.rp-csv', 'href');
  check(csv === '/api/reports/heatmap?format=csv', `the heatmap's CSV link: ${csv}`);
}

async function inChinese(page) {
  await page.click('#lang-toggle');
  await page.waitForFunction(
    (selector) => document.querySelector(selector + ' h2')?.textContent === '售后热力图（SKU × 问题类型）',
    HEATMAP, { timeout: WAIT_MS });
  check(await page.textContent('#reports-view h1') === '报表', 'the page title is in Chinese');
  check(await page.textContent('#nav-reports') === '报表', 'the navigation is in Chinese');
  await page.waitForSelector(HEATMAP + ' table.rp-table tbody tr', { timeout: WAIT_MS });

  // The server draws the chart and writes the notes in the page's language too.
  const src = await page.getAttribute(HEATMAP + ' img.rp-chart', 'src');
  check(src === '/api/reports/heatmap.svg?lang=zh-CN', `the Chinese page asks for the Chinese chart: ${src}`);
  await page.waitForFunction(
    (selector) => {
      const img = document.querySelector(selector);
      return img && img.complete && img.naturalWidth > 0;
    },
    HEATMAP + ' img.rp-chart', { timeout: WAIT_MS });
  const svg = await (await page.request.get(baseUrl + src)).text();
  check(svg.includes('<title>售后热力图'), `the chart's title is in Chinese: ${svg.slice(0, 300)}`);
  const note = await page.textContent(HEATMAP + ' .rp-notes li');
  check(note.includes('SKU 和批次'), `the notes are in Chinese: ${note}`);
  // Column headers are translated; the data keeps its own names underneath.
  const total = await page.textContent(HEATMAP + ' thead th[data-column="total"]');
  check(total === '合计', `the total column is headed in Chinese: ${total}`);
  const delay = await page.textContent(HEATMAP + ' thead th[data-column="logistics-delay"]');
  check(delay === '物流延误', `the issue-kind column is headed in Chinese: ${delay}`);
}

async function segmentsListTheBuyer(page) {
  await page.click('#nav-segments');
  await page.waitForSelector('#reports-view[data-page="segments"] table.rp-table', { timeout: WAIT_MS });
  check(page.url().endsWith('#/segments'), `the nav link opens #/segments, at ${page.url()}`);
  check((await page.textContent('#reports-view h1')) === '客户分群', 'the segments title is in Chinese');
  const segment = page.locator('#reports-view .card').first();
  check((await segment.textContent()).includes(email), `the segment lists ${email}`);
  check((await segment.locator('.rp-warning').textContent()).includes('HelloWord 从不发送营销消息'),
    'the no-marketing warning is shown in Chinese');
}

runScenario(shots, run);
