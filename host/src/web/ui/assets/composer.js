// The ticket page's reply composer: templates with culture tips, the compliance guard as
// the agent types, translation, and sending (with a lead's override when the guard blocks).

import { call, failure } from './api.js';
import { packLanguages, scenarios } from './catalog.js';
import { el } from './dom.js';
import { findingWhy, t, tOr } from './i18n.js';
import { state } from './state.js';
import { reloadTicket } from './ticket.js';

// The composer keeps its text while the rest of the page is redrawn after a change.
const composerState = { ticket: null, lang: null, node: null };

const DATE_VARIABLES = ['answer-by', 'expected-at', 'return-by', 'delivered-at', 'estimated-delivery'];
const MONEY_VARIABLES = ['amount', 'coupon-amount'];
/** Template variables the composer does not ask for. */
const COMMON_VARIABLES = new Set(['order-number', 'buyer-name', 'agent-name']);

export function composer(ticket) {
  if (composerState.ticket === ticket.id && composerState.lang === state.lang && composerState.node) {
    return composerState.node;
  }
  const node = buildComposer(ticket);
  Object.assign(composerState, { ticket: ticket.id, lang: state.lang, node });
  return node;
}

/** The composer of one ticket. Its parts share `reply`: the ticket, the controls, and the
 * language the text is written for (the draft's, or the one picked). */
function buildComposer(ticket) {
  const parts = composerParts(ticket);
  const reply = { ticket, parts, language: '' };
  const guard = guardWhileTyping(reply);
  parts.scenario.addEventListener('change', () => showVariables(reply));
  parts.language.addEventListener('change', () => {
    reply.language = parts.language.value;
    guard.schedule();
  });
  parts.fill.addEventListener('click', () => fillFromTemplate(reply));
  parts.text.addEventListener('input', guard.schedule);
  parts.translate.addEventListener('click', () => translateText(reply, guard));
  const form = composerForm(parts);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    send(reply, null);
  });
  return el('section', { class: 'card composer' }, el('h2', { text: t('ticket.reply') }), form);
}

/** The composer's controls, by name. */
function composerParts(ticket) {
  return {
    scenario: el('select', { id: 'reply-scenario' },
      el('option', { value: '', text: t('composer.none') }),
      scenarios().map((s) => el('option', { value: s.id, text: tOr('scenario.', s.id), title: s.purpose }))),
    language: el('select', { id: 'reply-language' },
      el('option', { value: '', text: t('composer.buyerLanguage') + (ticket.language ? ' (' + ticket.language + ')' : '') }),
      packLanguages().map((l) => el('option', { value: l, text: l }))),
    variables: el('fieldset', { id: 'reply-variables', class: 'variables', hidden: true }),
    fill: el('button', { type: 'button', id: 'reply-fill', class: 'secondary', text: t('composer.fill'), disabled: true }),
    tips: el('div', { id: 'reply-tips', class: 'tips', hidden: true }),
    subject: el('input', { id: 'reply-subject', type: 'text' }),
    text: el('textarea', { id: 'reply-body', rows: 8, required: true }),
    findings: el('div', { id: 'reply-findings', class: 'findings', 'aria-live': 'polite' }),
    translate: el('button', { type: 'button', id: 'reply-translate', class: 'secondary', text: t('composer.translate') }),
    translation: el('div', { id: 'reply-translation', class: 'translation', hidden: true }),
    result: el('div', { id: 'reply-result', class: 'reply-result', role: 'alert' }),
  };
}

function composerForm(parts) {
  return el('form', { id: 'reply-form' },
    el('div', { class: 'field-row' },
      el('label', { htmlFor: 'reply-scenario', text: t('composer.template') }), parts.scenario,
      el('label', { htmlFor: 'reply-language', text: t('composer.language') }), parts.language, parts.fill),
    parts.variables, parts.tips,
    el('label', { htmlFor: 'reply-subject', text: t('ticket.subject') }), parts.subject,
    el('label', { htmlFor: 'reply-body', text: t('ticket.body') }), parts.text,
    parts.findings,
    el('div', { class: 'field-row' }, el('button', { type: 'submit', id: 'reply-send', text: t('ticket.send') }), parts.translate),
    parts.translation, parts.result);
}

/** The chosen template's own details, to fill in before drafting. */
function showVariables({ ticket, parts }) {
  const chosen = scenarios().find((s) => s.id === parts.scenario.value);
  parts.fill.disabled = !chosen;
  const own = chosen ? chosen.variables.filter((v) => !COMMON_VARIABLES.has(v)) : [];
  parts.variables.hidden = own.length === 0;
  parts.variables.replaceChildren(el('legend', { text: t('composer.variables') }), ...own.map((name) => {
    const input = el('input', {
      type: DATE_VARIABLES.includes(name) ? 'date' : 'text',
      'data-variable': name,
      placeholder: MONEY_VARIABLES.includes(name) ? '12.50 ' + ((ticket.amount && ticket.amount.currency) || 'USD') : '',
    });
    input.setAttribute('aria-label', name);
    return el('label', { class: 'variable' }, el('span', { text: name }), input);
  }));
}

async function fillFromTemplate(reply) {
  const { ticket, parts } = reply;
  const body = { scenario: parts.scenario.value, variables: variableValues(parts.variables) };
  if (parts.language.value) body.language = parts.language.value;
  // The reply is in the buyer's language; its culture tips are for the agent, so in the
  // page's (`?lang=zh-CN` when it is Chinese).
  const lang = state.lang === 'en' ? '' : '?lang=' + encodeURIComponent(state.lang);
  const { status, data } = await call('POST', '/api/tickets/' + ticket.id + '/draft' + lang, body);
  if (status !== 200) {
    parts.result.replaceChildren(el('p', { class: 'error', text: failure(status, data) }));
    return;
  }
  const draft = data.draft;
  parts.result.replaceChildren();
  parts.subject.value = draft.subject || '';
  parts.text.value = draft.body || '';
  parts.text.dir = draft.direction === 'rtl' ? 'rtl' : 'ltr';
  parts.subject.dir = parts.text.dir;
  reply.language = draft.language;
  renderTips(parts.tips, draft.culture_tips || []);
  renderFindings(parts.findings, draft.findings || []);
}

/** The guard on what the agent types, a moment after they stop: `schedule()` asks after a
 * pause, `now()` at once; an answer overtaken by a later question is dropped. */
function guardWhileTyping(reply) {
  const { ticket, parts } = reply;
  let timer = null;
  let asked = 0;
  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(now, 400);
  }
  async function now() {
    const mine = ++asked;
    if (!parts.text.value.trim()) {
      parts.findings.replaceChildren();
      return;
    }
    const body = { text: parts.text.value };
    if (reply.language) body.language = reply.language;
    const { status, data } = await call('POST', '/api/tickets/' + ticket.id + '/check', body);
    if (mine !== asked) return;
    if (status === 200) renderFindings(parts.findings, data.findings || []);
    else parts.findings.replaceChildren(el('p', { class: 'error', text: failure(status, data) }));
  }
  return { schedule, now };
}

async function translateText(reply, guard) {
  const { ticket, parts } = reply;
  if (!parts.text.value.trim()) return;
  const body = { text: parts.text.value };
  if (reply.language) body.target_language = reply.language;
  const { status, data } = await call('POST', '/api/tickets/' + ticket.id + '/translate', body);
  parts.translation.hidden = false;
  if (status !== 200) {
    parts.translation.replaceChildren(el('p', { class: 'error', text: failure(status, data) }));
    return;
  }
  const done = data.translation;
  const use = el('button', { type: 'button', id: 'reply-use-translation', text: t('composer.useTranslation') });
  use.addEventListener('click', () => {
    parts.text.value = done.text;
    reply.language = done.target_language;
    parts.translation.hidden = true;
    guard.now();
  });
  parts.translation.replaceChildren(
    el('p', { class: 'hint', text: t('composer.translated', {
      from: done.source_language || '?', to: done.target_language, translator: done.translator || '' }) }),
    el('blockquote', { class: 'translated', text: done.text }),
    use);
  renderFindings(parts.findings, data.findings || []);
}

async function send(reply, overrideReason) {
  const { ticket, parts } = reply;
  const body = { body: parts.text.value };
  if (parts.subject.value) body.subject = parts.subject.value;
  if (reply.language) body.language = reply.language;
  if (overrideReason) body.override_reason = overrideReason;
  const { status, data } = await call('POST', '/api/tickets/' + ticket.id + '/reply', body);
  if (status === 200) {
    parts.text.value = '';
    parts.subject.value = '';
    parts.findings.replaceChildren();
    parts.tips.hidden = true;
    parts.result.replaceChildren(el('p', { class: 'ok', text: t('ticket.sent') }));
    await reloadTicket(ticket.id, t('ticket.sent'));
    return;
  }
  parts.result.replaceChildren(...replyProblem(status, data, (reason) => send(reply, reason)));
}

/** Template variables the agent filled in, in the draft API's shapes. */
function variableValues(fieldset) {
  const values = {};
  for (const input of fieldset.querySelectorAll('input[data-variable]')) {
    const name = input.getAttribute('data-variable');
    const value = input.value.trim();
    if (!value) continue;
    if (DATE_VARIABLES.includes(name)) {
      values[name] = value + 'T12:00:00Z';
    } else if (MONEY_VARIABLES.includes(name)) {
      const match = value.match(/^([0-9]+(?:[.,][0-9]+)?)\s*([A-Za-z]{3})$/);
      values[name] = match ? { amount: match[1].replace(',', '.'), currency: match[2].toUpperCase() } : value;
    } else {
      values[name] = value;
    }
  }
  return values;
}

function renderTips(node, tips) {
  node.hidden = tips.length === 0;
  node.replaceChildren(el('h3', { text: t('composer.tips') }),
    el('ul', {}, tips.map((tip) =>
      el('li', { class: 'tip' }, el('strong', { text: tip.title }), ' ', el('span', { text: tip.text })))));
}

function renderFindings(node, findings) {
  if (findings.length === 0) {
    node.replaceChildren(el('p', { class: 'clean', text: t('composer.clean') }));
    return;
  }
  node.replaceChildren(el('h3', { text: t('composer.findings') }),
    el('ul', {}, findings.map((f) =>
      el('li', { class: 'finding ' + (f.blocking ? 'blocking' : 'warning'), 'data-rule': f.rule },
        el('strong', { text: tOr('rule.', f.rule) }),
        ' (' + t(f.blocking ? 'composer.blocks' : 'composer.warns') + '): ',
        el('q', { text: f.excerpt || '' }), ' — ', findingWhy(f)))));
}

function replyProblem(status, data, send) {
  if (status === 422 && Array.isArray(data.findings)) {
    const reason = el('input', { type: 'text', id: 'reply-override-reason' });
    const anyway = el('button', { type: 'button', id: 'reply-send-anyway', class: 'secondary', text: t('composer.sendAnyway') });
    anyway.addEventListener('click', () => { if (reason.value.trim()) send(reason.value); });
    return [el('p', { text: t('ticket.blocked') }),
      el('ul', { class: 'findings' }, data.findings.map((f) =>
        el('li', { class: f.blocking ? 'blocking' : 'warning' },
          el('strong', { text: tOr('rule.', f.rule) }), ': ',
          el('q', { text: f.excerpt }), ' — ', findingWhy(f)))),
      el('div', { class: 'field-row' },
        el('label', { htmlFor: 'reply-override-reason', text: t('composer.override') }), reason, anyway)];
  }
  return [el('p', { class: 'error', text: failure(status, data) })];
}
