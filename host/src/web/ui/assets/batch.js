// Batch work on the selected tickets: the batch bar, and the results panel that shows
// each ticket's outcome as its call finishes.

import { call, failure } from './api.js';
import { scenarios } from './catalog.js';
import { $, el, fillSelect } from './dom.js';
import { currencyDigits, money, t, tOr } from './i18n.js';
import { refreshQueue, renderQueue } from './queue.js';
import { selectedIds } from './selection.js';
import { state } from './state.js';

export function renderBatchBar() {
  const count = state.selected.size;
  $('#batch-count').textContent = t('batch.selected', { n: count });
  fillSelect($('#batch-agent'), [['', '—'], ['-', t('batch.nobody')],
    ...state.agents.map((a) => [a, a])], true);
  fillSelect($('#batch-scenario'), [['', '—'],
    ...scenarios().map((s) => [s.id, tOr('scenario.', s.id)])], true);
  for (const id of ['batch-assign', 'batch-draft', 'batch-approve', 'batch-coupon', 'batch-close',
    'batch-clear']) {
    $('#' + id).disabled = count === 0 || state.busy;
  }
}

/** The results panel: one row per ticket, filled in as each finishes. */
function startResults(title, ids) {
  $('#batch-results').hidden = false;
  $('#batch-results-title').textContent = title;
  $('#batch-send-area').replaceChildren();
  const rows = new Map();
  $('#batch-result-list').replaceChildren(...ids.map((id) => {
    const outcome = el('span', { class: 'outcome', text: t('batch.running') });
    const detail = el('span', { class: 'detail' });
    const row = el('li', { class: 'result running', 'data-id': id },
      el('a', { href: '#/tickets/' + id, text: '#' + id }), ' ', outcome, ' ', detail);
    rows.set(id, { row, outcome, detail });
    return row;
  }));
  return {
    set(id, ok, text) {
      const entry = rows.get(id);
      if (!entry) return;
      entry.row.className = 'result ' + (ok ? 'ok' : 'failed');
      entry.outcome.textContent = t(ok ? 'batch.ok' : 'batch.failed');
      entry.detail.textContent = text || '';
    },
    summary() {
      const ok = $('#batch-result-list').querySelectorAll('.result.ok').length;
      const failed = $('#batch-result-list').querySelectorAll('.result.failed').length;
      $('#batch-results-title').textContent = title + ' — ' + t('batch.summary', { ok, failed });
    },
  };
}

/** Run `work(id)` for each id in turn ({ok, text} each), showing every outcome. */
async function runBatch(title, ids, work) {
  state.busy = true;
  renderBatchBar();
  const results = startResults(title, ids);
  const outcomes = new Map();
  try {
    for (const id of ids) {
      let outcome;
      try {
        outcome = await work(id);
      } catch (e) {
        outcome = { ok: false, text: String(e && e.message ? e.message : e) };
      }
      outcomes.set(id, outcome);
      results.set(id, outcome.ok, outcome.text);
    }
  } finally {
    results.summary();
    state.busy = false;
    renderBatchBar();
  }
  refreshQueue();
  return outcomes;
}

export async function batchAssign() {
  const choice = $('#batch-agent').value;
  if (!choice) return showBatchHint(t('batch.pickAgent'));
  const agent = choice === '-' ? null : choice;
  const ids = selectedIds();
  await runBatch(t('batch.title.assign', { agent: agent || t('batch.nobody') }), ids, async (id) => {
    const { status, data } = await call('POST', '/api/tickets/' + id + '/assign', { agent });
    if (status !== 200) return { ok: false, text: failure(status, data) };
    return { ok: true, text: agent ? t('batch.assigned', { agent }) : t('batch.unassigned') };
  });
}

/** Draft the template for every selected ticket in its buyer's language, show the drafts,
 * and offer to send the ones the guard lets through. */
export async function batchDraft() {
  const scenario = $('#batch-scenario').value;
  if (!scenario) return showBatchHint(t('batch.pickTemplate'));
  const name = tOr('scenario.', scenario);
  const drafts = new Map();
  await runBatch(t('batch.title.draft', { scenario: name }), selectedIds(), async (id) => {
    const { status, data } = await call('POST', '/api/tickets/' + id + '/draft', { scenario });
    if (status !== 200) return { ok: false, text: failure(status, data) };
    const draft = data.draft;
    if (draft.blocked) {
      return { ok: false, text: t('batch.blockedDraft') + ': ' + findingWords(draft.findings) };
    }
    drafts.set(id, draft);
    return { ok: true, text: t('batch.drafted', { language: draft.language, subject: draft.subject || '' }) };
  });
  if (drafts.size === 0) return;
  const send = el('button', { type: 'button', id: 'batch-send', text: t('batch.send', { n: drafts.size }) });
  send.addEventListener('click', async () => {
    send.disabled = true;
    await runBatch(t('batch.title.send', { scenario: name }), [...drafts.keys()], async (id) => {
      const draft = drafts.get(id);
      const body = { body: draft.body, language: draft.language };
      if (draft.subject) body.subject = draft.subject;
      const { status, data } = await call('POST', '/api/tickets/' + id + '/reply', body);
      if (status !== 200) {
        const words = Array.isArray(data.findings) ? ' — ' + findingWords(data.findings) : '';
        return { ok: false, text: failure(status, data) + words };
      }
      return { ok: true, text: t('batch.sent') };
    });
  });
  $('#batch-send-area').replaceChildren(send);
}

/** Approve the open compensation proposal of every selected ticket, in one decision call. */
export async function batchApprove() {
  const ids = selectedIds();
  const open = new Map();
  state.busy = true;
  renderBatchBar();
  const results = startResults(t('batch.title.approve'), ids);
  try {
    for (const id of ids) {
      const { status, data } = await call('GET', '/api/tickets/' + id);
      if (status !== 200) {
        results.set(id, false, failure(status, data));
        continue;
      }
      const proposal = (data.proposals || []).filter((p) => p.state === 'open').pop();
      if (proposal) open.set(id, proposal.id);
      else results.set(id, false, t('batch.noProposal'));
    }
    if (open.size > 0) {
      const items = [...open].map(([ticket, proposal]) => ({ ticket, proposal }));
      const { status, data } = await call('POST', '/api/proposals/decide', { proposals: items });
      if (status !== 200) {
        for (const id of open.keys()) results.set(id, false, failure(status, data));
      } else {
        for (const item of data.results || []) {
          results.set(item.ticket, item.ok === true,
            item.ok ? t('batch.approved', { id: item.proposal }) : String(item.error || ''));
        }
      }
    }
  } finally {
    results.summary();
    state.busy = false;
    renderBatchBar();
  }
  refreshQueue();
}

/** The coupon the batch bar describes, as the API's money ({minor_units, currency}), or
 * null when the value or the currency is not one. Parsed from the text, never through a
 * float, so 19.99 is exactly 1999. */
function couponValue() {
  const currency = $('#batch-coupon-currency').value.trim().toUpperCase();
  const text = $('#batch-coupon-value').value.trim().replace(',', '.');
  const digits = currencyDigits(currency);
  const parts = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (digits === null || !parts) return null;
  const fraction = parts[2] || '';
  if (fraction.length > digits) return null;
  const minor = Number(parts[1]) * 10 ** digits + Number(fraction.padEnd(digits, '0') || '0');
  if (!Number.isSafeInteger(minor) || minor <= 0) return null;
  return { minor_units: minor, currency };
}

/** A coupon for every selected ticket, through the ticket's actions (the outbox sends it
 * with its idempotency key). Outside a proposal only a lead may give one: the API says so
 * per ticket. */
export async function batchCoupon() {
  const value = couponValue();
  if (!value) return showBatchHint(t('batch.pickCoupon'));
  const ids = selectedIds();
  const shown = money(value);
  if (!window.confirm(t('batch.confirmCoupon', { value: shown, n: ids.length }))) return;
  showBatchHint('');
  const action = { Coupon: { value, code: null, expires_at: null } };
  await runBatch(t('batch.title.coupon', { value: shown }), ids, async (id) => {
    const { status, data } = await call('POST', '/api/tickets/' + id + '/actions', { actions: [action] });
    if (status !== 200) return { ok: false, text: failure(status, data) };
    return { ok: true, text: t('batch.couponQueued', { value: shown }) };
  });
}

export async function batchClose() {
  const ids = selectedIds();
  if (!window.confirm(t('batch.confirmClose', { n: ids.length }))) return;
  const outcomes = await runBatch(t('batch.title.close'), ids, async (id) => {
    const { status, data } = await call('POST', '/api/tickets/' + id + '/status', { status: 'closed' });
    if (status !== 200) return { ok: false, text: failure(status, data) };
    return { ok: true, text: t('batch.closed') };
  });
  for (const [id, outcome] of outcomes) if (outcome.ok) state.selected.delete(id);
  renderQueue(true);
}

function showBatchHint(text) {
  $('#queue-error').textContent = text;
}

function findingWords(findings) {
  return (findings || []).map((f) => tOr('rule.', f.rule) + ' “' + (f.excerpt || '') + '”').join('; ');
}
