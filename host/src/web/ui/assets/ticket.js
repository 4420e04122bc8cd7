// The ticket page: its head, the work, customer, follow-up and notes cards, and the
// reload after each change. The composer, proposals and timeline have files of their own.

import { call, failure } from './api.js';
import { composer } from './composer.js';
import { conversationCard } from './conversation.js';
import { nextStepCard } from './nextstep.js';
import { orderCard } from './order.js';
import { $, el, show } from './dom.js';
import { formatTime, headline, t, tOr } from './i18n.js';
import { tick } from './live.js';
import { proposalsCard } from './proposals.js';
import { STATUSES, state } from './state.js';
import { timeline } from './timeline.js';

export async function openTicket(id) {
  // The previous ticket's page goes first: its buttons must not be clicked for this one.
  state.ticket = null;
  const body = $('#ticket-body');
  body.replaceChildren(el('p', { class: 'hint', id: 'ticket-loading', text: t('ticket.loading') }));
  show('ticket-view');
  const { status, data } = await call('GET', '/api/tickets/' + encodeURIComponent(id));
  if (status !== 200) {
    state.ticket = null;
    body.replaceChildren(el('p', { class: 'error', text: data.message || t('ticket.notFound') }));
    return;
  }
  let customer = null;
  if (data.ticket.customer) {
    const answer = await call('GET', '/api/customers/' + encodeURIComponent(data.ticket.customer));
    if (answer.status === 200) customer = answer.data.customer;
  }
  state.ticket = { ...data, customer };
  renderTicket(state.ticket);
}

export function renderTicket(view) {
  const ticket = view.ticket;
  const header = el('div', { class: 'ticket-head ' + ticket.severity },
    el('h1', { title: ticket.summary }, el('span', { class: 'id', text: '#' + ticket.id + ' ' }), headline(ticket)),
    el('p', { class: 'meta' },
      el('span', { class: 'badge ' + ticket.severity, text: t('lane.' + ticket.severity) }),
      el('span', { text: ticket.marketplace + ' · ' + tOr('kind.', ticket.kind) }),
      el('span', { id: 'ticket-status', text: t('status.' + ticket.status) }),
      el('span', { id: 'ticket-assignee', text: t('ticket.assignee') + ': ' + (ticket.assignee || t('ticket.unassigned')) }),
      el('span', { text: t('ticket.due') + ': ' + formatTime(ticket.due.at) + ' ' }),
      el('span', { class: 'countdown', 'data-due': ticket.due.at })));
  const undelivered = ticket.undelivered_reply
    ? el('p', { id: 'ticket-undelivered', class: 'flash error', role: 'alert' },
      t('ticket.undelivered') + ' ', ticket.undelivered_reply.error)
    : null;
  const flash = el('p', { id: 'ticket-flash', class: 'flash', role: 'status' });
  const columns = el('div', { class: 'columns' },
    el('div', { class: 'main' }, nextStepCard(view), conversationCard(view), composer(ticket), proposalsCard(view),
      timeline(view.timeline || [], view.actions || [])),
    el('aside', {}, workCard(ticket), customerCard(ticket, view.customer), orderCard(view.order), followUpsCard(ticket),
      notesCard(ticket)));
  $('#ticket-body').replaceChildren(...[header, undelivered, flash, columns].filter(Boolean));
  tick();
}

/** Fetch the ticket again after a change, keep the composer, and say what happened. */
export async function reloadTicket(id, message, failed) {
  const { status, data } = await call('GET', '/api/tickets/' + id);
  if (status === 200 && state.ticket && state.ticket.ticket.id === id) {
    state.ticket = { ...data, customer: state.ticket.customer };
    renderTicket(state.ticket);
  }
  flash(message, failed);
}

function flash(message, failed) {
  const node = $('#ticket-flash');
  if (!node) return;
  node.textContent = message || '';
  node.classList.toggle('error', Boolean(failed));
}

/** POST to the ticket; on success reload it, otherwise say why. */
export async function ticketChange(id, path, body, done) {
  const { status, data } = await call('POST', '/api/tickets/' + id + path, body);
  if (status === 200) {
    await reloadTicket(id, done || t('ticket.saved'));
    return true;
  }
  flash(failure(status, data), true);
  return false;
}

function workCard(ticket) {
  const statusSelect = el('select', { id: 'ticket-status-select' },
    STATUSES.map((s) => el('option', { value: s, text: t('status.' + s), selected: s === ticket.status })));
  const satisfied = el('input', { type: 'checkbox', id: 'ticket-satisfied' });
  const setStatus = el('button', { type: 'button', id: 'ticket-set-status', text: t('ticket.setStatus') });
  setStatus.addEventListener('click', () => {
    const body = { status: statusSelect.value };
    if (statusSelect.value === 'resolved' && satisfied.checked) body.satisfied = true;
    ticketChange(ticket.id, '/status', body);
  });
  const agents = [...new Set([...state.agents, ...(ticket.assignee ? [ticket.assignee] : [])])];
  const agentSelect = el('select', { id: 'ticket-agent-select' },
    el('option', { value: '', text: t('ticket.unassigned') }),
    agents.map((a) => el('option', { value: a, text: a, selected: a === ticket.assignee })));
  const assign = el('button', { type: 'button', id: 'ticket-assign', text: t('ticket.assign') });
  assign.addEventListener('click', () =>
    ticketChange(ticket.id, '/assign', { agent: agentSelect.value || null }));
  return el('section', { class: 'card work' },
    el('h2', { text: t('ticket.work') }),
    el('div', { class: 'field-row' },
      el('label', { htmlFor: 'ticket-status-select', text: t('ticket.status') }), statusSelect,
      el('label', { class: 'inline' }, satisfied, ' ', t('ticket.satisfied')), setStatus),
    el('div', { class: 'field-row' },
      el('label', { htmlFor: 'ticket-agent-select', text: t('ticket.assignee') }), agentSelect, assign));
}

function followUpsCard(ticket) {
  const followUps = (ticket.timers || []).filter((timer) => timer.type === 'follow-up');
  const list = followUps.length
    ? el('ul', { class: 'follow-ups' }, followUps.map((timer) => {
      const remove = el('button', { type: 'button', class: 'secondary small', text: t('ticket.removeFollowUp') });
      remove.addEventListener('click', async () => {
        const { status, data } = await call('DELETE', '/api/tickets/' + ticket.id + '/follow-ups/' + timer.id);
        if (status === 200) reloadTicket(ticket.id, t('ticket.saved'));
        else flash(failure(status, data), true);
      });
      return el('li', { class: 'follow-up', 'data-id': timer.id },
        el('time', { text: formatTime(timer.due) }), ' ',
        el('span', { class: 'what', text: timer.what }), ' ',
        el('span', { class: 'by', text: '(' + timer.by + ')' }), ' ', remove);
    }))
    : el('p', { class: 'hint', text: t('ticket.noFollowUps') });
  const what = el('input', { type: 'text', id: 'follow-up-what', required: true });
  const when = el('select', { id: 'follow-up-in' },
    [1, 4, 24, 48, 72].map((h) => el('option', { value: h * 60, text: t('ticket.hours', { n: h }), selected: h === 24 })),
    el('option', { value: 7 * 24 * 60, text: t('ticket.days', { n: 7 }) }));
  const form = el('form', { id: 'follow-up-form', class: 'stack' },
    el('label', { htmlFor: 'follow-up-what', text: t('ticket.followUpWhat') }), what,
    el('label', { htmlFor: 'follow-up-in', text: t('ticket.followUpIn') }), when,
    el('button', { type: 'submit', text: t('ticket.addFollowUp') }));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    ticketChange(ticket.id, '/follow-ups', { what: what.value, due_in_minutes: Number(when.value) });
  });
  return el('section', { class: 'card' }, el('h2', { text: t('ticket.followUps') }), list, form);
}

function notesCard(ticket) {
  const text = el('textarea', { id: 'note-text', rows: 3, required: true });
  const form = el('form', { id: 'note-form', class: 'stack' },
    el('label', { htmlFor: 'note-text', text: t('ticket.noteText') }), text,
    el('button', { type: 'submit', text: t('ticket.addNote') }));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    ticketChange(ticket.id, '/notes', { text: text.value });
  });
  return el('section', { class: 'card' }, el('h2', { text: t('ticket.notes') }), form);
}

function customerCard(ticket, customer) {
  const facts = ticket.facts || {};
  const rows = [
    ['ticket.name', facts.buyer_name],
    ['ticket.country', ticket.country],
    ['ticket.language', ticket.language],
    ['ticket.order', facts.order_name || ticket.order_id],
    ['ticket.tags', customer && customer.tags ? customer.tags.join(', ') : null],
  ].filter(([, value]) => value);
  return el('section', { class: 'card customer' },
    el('h2', { text: t('ticket.customer') }),
    el('dl', {}, rows.map(([key, value]) => [el('dt', { text: t(key) }), el('dd', { text: value })])));
}
