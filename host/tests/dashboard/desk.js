// The processing panel's daily work in Debian's Chromium, for host/tests/dashboard.rs:
// select tickets from the keyboard and with shift-click, batch-assign two, then on one
// ticket draft a reply from a template (with its culture tips), see the compliance guard
// flag an e-mail address as it is typed, send the clean reply and watch it go from queued to
// delivered; on another, see a reply that cannot be delivered in red; approve the refund,
// and send a coupon of 10.00 EUR to two tickets from the batch bar.
//
//   node desk.js <base-url> <token> <screenshot-dir> <agent> <reply-ticket> <refund-ticket>
//
// <agent> is who the batch assigns to; <reply-ticket> a ticket whose buyer's country has
// culture tips and whose buyer is reachable by e-mail; <refund-ticket> one with an open
// refund proposal whose buyer is not. Prints `PASS` (exit 0) or the failure (exit 1, with failure.png).
'use strict';

const path = require('node:path');
const { WAIT_MS, check, runScenario, signIn } = require('./lib');

const [baseUrl, token, shots, agent, replyTicket, refundTicket] = process.argv.slice(2);
if (!baseUrl || !token || !shots || !agent || !replyTicket || !refundTicket) {
  console.error('usage: node desk.js <base-url> <token> <screenshot-dir> <agent> <reply-ticket> <refund-ticket>');
  process.exit(2);
}

async function run(page) {
  await signIn(page, baseUrl, token);
  await shortcutsShowAndHide(page);
  await shiftClickSelectsARange(page);
  const assigned = await batchAssignTwoFromTheKeyboard(page);
  await page.screenshot({ path: path.join(shots, '10-batch-assigned.png'), fullPage: true });
  console.log(`ASSIGNED ${assigned.join(' ')}`);
  await page.keyboard.press('Escape');
  await openTicketFromTheKeyboard(page, replyTicket);
  await replyFromATemplate(page);
  await theReplyIsDelivered(page);
  await page.goto(baseUrl + '/ui/#/tickets/' + refundTicket);
  // The page shows this ticket, never the one opened before it.
  await page.waitForFunction((id) => {
    const head = document.querySelector('#ticket-view:not([hidden]) .ticket-head .id');
    return head && head.textContent.trim() === '#' + id;
  }, refundTicket, { timeout: WAIT_MS });
  await replyInOwnWords(page, 'Thank you for your return request, we are looking at it today.');
  await theUndeliveredReplyShowsInRed(page);
  await page.keyboard.press('Escape');
  await page.waitForSelector('#queue-view:not([hidden])', { timeout: WAIT_MS });
  // Its card in the queue is marked too.
  await page.waitForSelector(`.lanes .ticket.undelivered[data-id="${refundTicket}"] .undelivered`,
    { timeout: WAIT_MS });
  await page.goto(baseUrl + '/ui/#/tickets/' + refundTicket);
  await page.waitForFunction((id) => {
    const head = document.querySelector('#ticket-view:not([hidden]) .ticket-head .id');
    return head && head.textContent.trim() === '#' + id;
  }, refundTicket, { timeout: WAIT_MS });
  await page.waitForSelector('#ticket-view:not([hidden]) #proposals', { timeout: WAIT_MS });
  await approveTheRefund(page);
  await page.screenshot({ path: path.join(shots, '13-refund-approved.png'), fullPage: true });
  await theReturnsNextStepDecidesIt(page);
  await page.keyboard.press('Escape');
  await page.waitForSelector('#queue-view:not([hidden])', { timeout: WAIT_MS });
  const coupons = await batchCouponToTwo(page);
  await page.screenshot({ path: path.join(shots, '14-batch-coupon.png'), fullPage: true });
  console.log(`COUPONS ${coupons.join(' ')}`);
}

const selectedCount = (page) => page.$$eval('.lanes .ticket input.select:checked', (n) => n.length);

async function shortcutsShowAndHide(page) {
  await page.keyboard.press('?');
  await page.waitForSelector('#shortcuts:not([hidden])', { timeout: WAIT_MS });
  const text = await page.textContent('#shortcuts');
  check(text.includes('Next / previous ticket'), `the shortcut list is shown: ${text}`);
  await page.keyboard.press('Escape');
  await page.waitForSelector('#shortcuts[hidden]', { state: 'attached', timeout: WAIT_MS });
  await page.keyboard.press('/');
  check(await page.evaluate(() => document.activeElement.id) === 'filter-text', '/ focuses the filter');
  await page.keyboard.press('Escape');
}

async function shiftClickSelectsARange(page) {
  const boxes = page.locator('.lanes .ticket input.select');
  check(await boxes.count() >= 3, 'three tickets in the queue');
  await boxes.nth(0).click();
  await boxes.nth(2).click({ modifiers: ['Shift'] });
  check(await selectedCount(page) === 3, `shift-click selects the range, got ${await selectedCount(page)}`);
  check((await page.textContent('#batch-count')).includes('3'), 'the batch bar counts three');
  await page.click('#batch-clear');
  check(await selectedCount(page) === 0, 'clearing unselects');
}

async function batchAssignTwoFromTheKeyboard(page) {
  // Start from the page, not from a control, so the keys go to the queue.
  await page.locator('#queue-title').click();
  // The cursor is where the last click left it: k to the top, then select two.
  const cards = await page.locator('.lanes .ticket').count();
  for (let i = 0; i < cards; i++) await page.keyboard.press('k');
  for (const key of ['x', 'j', 'x']) await page.keyboard.press(key);
  check(await selectedCount(page) === 2, `x j x selects two, got ${await selectedCount(page)}`);
  const focused = await page.evaluate(() => document.activeElement.closest('.ticket')?.dataset.id);
  const ids = await page.$$eval('.lanes .ticket.selected', (n) => n.map((x) => x.dataset.id));
  check(focused === ids[1], `the cursor's card has the focus (${focused} of ${ids})`);
  await page.selectOption('#batch-agent', agent);
  await page.click('#batch-assign');
  await page.waitForFunction(
    () => document.querySelectorAll('#batch-result-list .result.ok').length === 2,
    null, { timeout: WAIT_MS });
  for (const id of ids) {
    await page.waitForFunction(
      ([id, agent]) => document.querySelector(`.lanes .ticket[data-id="${id}"] .assignee`)?.textContent === agent,
      [id, agent], { timeout: WAIT_MS });
  }
  return ids;
}

async function openTicketFromTheKeyboard(page, ticketId) {
  await page.locator('#queue-title').click();
  const ids = await page.$$eval('.lanes .ticket', (n) => n.map((x) => x.dataset.id));
  const steps = ids.indexOf(ticketId) + 1;
  check(steps > 0, `ticket ${ticketId} is in the queue`);
  // The cursor starts where the batch left it: go to the top first.
  for (let i = 0; i < ids.length; i++) await page.keyboard.press('k');
  for (let i = 1; i < steps; i++) await page.keyboard.press('j');
  await page.evaluate(() => document.activeElement.blur());
  await page.keyboard.press('Enter');
  await page.waitForSelector('#ticket-view:not([hidden]) #reply-form', { timeout: WAIT_MS });
  check(page.url().endsWith('#/tickets/' + ticketId), `Enter opens the ticket, at ${page.url()}`);
}

async function replyFromATemplate(page) {
  // A template that promises a replacement nobody granted is refused, saying why.
  await page.selectOption('#reply-scenario', 'damaged-item');
  await page.click('#reply-fill');
  await page.waitForSelector('#reply-result .error', { timeout: WAIT_MS });
  const refused = await page.textContent('#reply-result .error');
  check(refused.includes('replacement') && refused.includes('none was granted'),
    `the promise is refused: ${refused}`);
  check((await page.inputValue('#reply-body')) === '', 'nothing was filled in');
  await page.selectOption('#reply-scenario', 'evidence-request');
  await page.click('#reply-fill');
  await page.waitForFunction(() => document.querySelector('#reply-body').value.length > 20, null,
    { timeout: WAIT_MS });
  await page.waitForSelector('#reply-tips:not([hidden]) .tip', { timeout: WAIT_MS });
  const draft = await page.inputValue('#reply-body');
  await page.screenshot({ path: path.join(shots, '11-template-draft.png'), fullPage: true });

  // An e-mail address is flagged while the agent types.
  await page.focus('#reply-body');
  await page.keyboard.press('End');
  await page.keyboard.type(' Write to me at help@shop-example.com');
  await page.waitForSelector('#reply-findings .finding[data-rule="email-address"]', { timeout: WAIT_MS });
  await page.screenshot({ path: path.join(shots, '12-compliance-inline.png'), fullPage: true });

  // Clean again, it goes.
  await page.fill('#reply-body', draft);
  await page.waitForSelector('#reply-findings .clean', { timeout: WAIT_MS });
  // Esc leaves the text box, not the page.
  await page.keyboard.press('Escape');
  check(await page.isVisible('#ticket-view'), 'Esc in the composer stays on the ticket');
  await page.click('#reply-send');
  await page.waitForSelector('#reply-result .ok', { timeout: WAIT_MS });
  await page.waitForSelector('.timeline .entry.reply-sent', { timeout: WAIT_MS });
}

// Shopify has no messaging API: the reply goes by e-mail to the order's buyer. Right after
// sending it is queued (or already on its way); once the SMTP server took it, the timeline
// and the thread say "delivered" with the mail's Message-ID, and nothing is red.
async function theReplyIsDelivered(page) {
  const state = await page.getAttribute('.timeline .entry.reply-sent .reply-state', 'data-state');
  check(['queued', 'sending', 'delivered'].includes(state), `the reply shows where it is: ${state}`);
  const deadline = Date.now() + WAIT_MS;
  const delivered = async () => Boolean(await page.$('#conversation .message[data-direction="out"] .reply-state.delivered'));
  while (!(await delivered()) && Date.now() < deadline) {
    await page.waitForTimeout(250);
    await page.reload();
    await page.waitForSelector('#ticket-view:not([hidden]) #reply-form', { timeout: WAIT_MS });
  }
  const last = page.locator('#conversation .message').last();
  check(await last.getAttribute('data-direction') === 'out', 'the reply is the newest message');
  const inThread = await last.locator('.reply-state').textContent();
  check(inThread.includes('delivered') && inThread.includes('<hw.'),
    `the thread shows the reply delivered with its Message-ID: ${inThread}`);
  check(!(await page.$('#ticket-view:not([hidden]) #ticket-undelivered:not([hidden])')),
    'no undelivered banner');
  await page.screenshot({ path: path.join(shots, '12a-reply-delivered.png'), fullPage: true });
}

// A reply in the agent's own words, sent from the ticket page.
async function replyInOwnWords(page, text) {
  await page.waitForSelector('#ticket-view:not([hidden]) #reply-form', { timeout: WAIT_MS });
  await page.fill('#reply-body', text);
  await page.waitForSelector('#reply-findings .clean', { timeout: WAIT_MS });
  await page.click('#reply-send');
  await page.waitForSelector('#reply-result .ok', { timeout: WAIT_MS });
  await page.waitForSelector('.timeline .entry.reply-sent', { timeout: WAIT_MS });
}

// This buyer's order told no e-mail address, so the reply cannot be delivered. Right after
// sending it is queued; once the dispatcher gave up the ticket page says so in red, with the
// reason, and the reply's line in the timeline says "not delivered".
async function theUndeliveredReplyShowsInRed(page) {
  const state = await page.getAttribute('.timeline .entry.reply-sent .reply-state', 'data-state');
  check(['queued', 'sending', 'failed'].includes(state), `the reply shows where it is: ${state}`);
  const deadline = Date.now() + WAIT_MS;
  // The ticket, its timeline and its outbox are read one after the other: the page may
  // catch the outbox a moment ahead of the ticket, and the next load shows both.
  const settled = async () => Boolean(await page.$('.timeline .entry.reply-sent .reply-state.failed'))
    && Boolean(await page.$('#ticket-undelivered'));
  while (!(await settled()) && Date.now() < deadline) {
    await page.waitForTimeout(250);
    await page.reload();
    await page.waitForSelector('#ticket-view:not([hidden]) #reply-form', { timeout: WAIT_MS });
  }
  const failed = await page.textContent('.timeline .entry.reply-sent .reply-state.failed');
  check(failed.includes('not delivered') && failed.includes('no e-mail address'), `the reply is not delivered: ${failed}`);
  // The thread says the same of the reply, at the bottom, on the seller's side.
  const last = page.locator('#conversation .message').last();
  check(await last.getAttribute('data-direction') === 'out', 'the reply is the newest message');
  const inThread = await last.locator('.reply-state').textContent();
  check(inThread.includes('not delivered') && inThread.includes('no e-mail address'),
    `the thread shows the reply not delivered: ${inThread}`);
  const banner = await page.textContent('#ticket-undelivered');
  check(banner.includes('was not delivered'), `the ticket says so: ${banner}`);
  const red = await page.$eval('#ticket-undelivered', (n) => getComputedStyle(n).color);
  check(red === 'rgb(198, 40, 40)', `in red: ${red}`);
  await page.screenshot({ path: path.join(shots, '12b-reply-not-delivered.png'), fullPage: true });
}

async function approveTheRefund(page) {
  const open = page.locator('#proposals .proposal.open');
  await open.first().waitFor({ timeout: WAIT_MS });
  const rationale = await open.first().locator('.rationale').textContent();
  check(rationale.trim().length > 0, 'the proposal shows its rationale');
  check((await open.first().textContent()).includes('Refund'), 'the proposal is a refund');
  const id = await open.first().getAttribute('data-id');
  await open.first().locator('button.approve').click();
  await page.waitForSelector(`#proposals .proposal.approved[data-id="${id}"]`, { timeout: WAIT_MS });
  console.log(`APPROVED ${id}`);
}

// The return's next step: approve (with a note to the buyer) from the panel; the decision
// goes to the outbox like any action.
async function theReturnsNextStepDecidesIt(page) {
  await page.waitForSelector('#next-step[data-kind="return-request"] #next-return-approve', { timeout: WAIT_MS });
  const said = await page.textContent('#next-step');
  check(said.includes('approve or decline'), `the panel says what the return needs: ${said}`);
  await page.fill('#next-return-note', 'Please use the prepaid label we e-mail you.');
  await page.click('#next-return-approve');
  await page.waitForFunction(() => (document.querySelector('#ticket-flash') || {}).textContent === 'Return approval queued.',
    null, { timeout: WAIT_MS });
  const actions = await page.$$eval('#proposals .actions .action', (n) => n.map((x) => x.textContent));
  check(actions.some((a) => a.startsWith('Return decision')), `the decision is in the outbox: ${actions}`);
  await page.screenshot({ path: path.join(shots, '13b-return-next-step.png'), fullPage: true });
}

async function batchCouponToTwo(page) {
  await page.waitForSelector('.lanes .ticket input.select', { timeout: WAIT_MS });
  if (await selectedCount(page) > 0) await page.click('#batch-clear');
  const boxes = page.locator('.lanes .ticket input.select');
  check(await boxes.count() >= 2, 'two tickets for the coupon');
  await boxes.nth(0).click();
  await boxes.nth(1).click();
  const ids = await page.$$eval('.lanes .ticket.selected', (n) => n.map((x) => x.dataset.id));
  check(ids.length === 2, `two tickets selected for the coupon, got ${ids}`);

  // Without a value the bar asks for one and sends nothing.
  await page.click('#batch-coupon');
  check((await page.textContent('#queue-error')).includes('coupon value'), 'the bar asks for the value');

  await page.fill('#batch-coupon-value', '10.00');
  await page.fill('#batch-coupon-currency', 'eur');
  let asked = '';
  page.once('dialog', (dialog) => { asked = dialog.message(); dialog.accept(); });
  await page.click('#batch-coupon');
  await page.waitForFunction(
    () => document.querySelectorAll('#batch-result-list .result.ok').length === 2,
    null, { timeout: WAIT_MS });
  check(asked.includes('€10.00') && asked.includes('2'), `the agent confirms value and count once: ${asked}`);
  const title = await page.textContent('#batch-results-title');
  check(title.includes('€10.00') && title.includes('2 done, 0 failed'), `the results say what was sent: ${title}`);
  const rows = await page.$$eval('#batch-result-list .result.ok', (n) => n.map((x) => x.dataset.id));
  check(ids.every((id) => rows.includes(id)), `each selected ticket has its result: ${rows}`);
  return ids;
}

runScenario(shots, run);
