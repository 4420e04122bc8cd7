// The queue page: the tickets fetched page by page with the server's filters, views and
// search, and the three severity lanes of ticket cards.

import { call } from './api.js';
import { renderBatchBar } from './batch.js';
import { $, el } from './dom.js';
import { headline, t, tOr } from './i18n.js';
import { tick } from './live.js';
import { PAGE, SEVERITIES, STATUSES, VIEWS, filters, state } from './state.js';

/** The API query for the queue's filters, search and view, from `cursor` on. */
function queuePath(cursor) {
  const query = new URLSearchParams({ limit: String(PAGE) });
  for (const name of ['marketplace', 'status', 'agent', 'language']) {
    if (filters[name]) query.set(name, filters[name]);
  }
  if (filters.view && VIEWS[filters.view]) {
    const [key, value] = VIEWS[filters.view].split('=');
    query.set(key, value);
  }
  const words = serverSearch();
  if (words) query.set('q', words);
  if (cursor) query.set('cursor', cursor);
  return '/api/tickets?' + query.toString();
}

/** The search the server runs: two characters or more (order numbers, names, e-mail
 * addresses, tracking numbers, what the buyer or the seller wrote); a ticket number
 * ("#12") is matched here, among the tickets shown. */
function serverSearch() {
  const words = state.search.trim();
  return words.length >= 2 && !/^#\d+$/.test(words) ? words : '';
}

/** Fetch the queue again: as many pages as the agent has opened. */
export async function refreshQueue() {
  const tickets = [];
  let cursor = null;
  let next = null;
  for (let page = 0; page < state.pages; page += 1) {
    const { status, data } = await call('GET', queuePath(cursor));
    if (status !== 200) {
      if (status !== 401) $('#queue-error').textContent = data.message || String(status);
      return;
    }
    tickets.push(...(data.tickets || []));
    next = data.next || null;
    if (!next) break;
    cursor = next;
  }
  $('#queue-error').textContent = '';
  state.tickets = tickets;
  state.next = next;
  $('#queue-more').hidden = !next;
  $('#live').dataset.updated = new Date().toISOString();
  renderFilters();
  renderQueue();
}

/** One more page of the queue. */
export async function moreTickets() {
  state.pages += 1;
  await refreshQueue();
}

/** The search box changed: a server search after a pause in typing. */
let searchTimer = null;
export function onSearch(event) {
  state.search = event.target.value;
  renderQueue();
  window.clearTimeout(searchTimer);
  searchTimer = window.setTimeout(() => { state.pages = 1; refreshQueue(); }, 250);
}

/** Options for one filter: "all", then what the tickets (and agents) offer. */
function filterOptions(name) {
  if (name === 'view') {
    return [['', t('filter.all')], ...Object.keys(VIEWS).map((v) => [v, t('view.' + v)])];
  }
  const seen = new Set();
  if (name === 'status') STATUSES.forEach((s) => seen.add(s));
  if (name === 'agent') state.agents.forEach((a) => seen.add(a));
  for (const ticket of state.tickets) {
    const value = name === 'agent' ? ticket.assignee : ticket[name];
    if (value) seen.add(value);
  }
  if (filters[name]) seen.add(filters[name]);
  const label = (value) => (name === 'status' ? t('status.' + value) : value);
  return [['', t('filter.all')], ...[...seen].sort().map((v) => [v, label(v)])];
}

/** Rebuild a filter's options only when they change, so an open list stays open. */
export function renderFilters() {
  for (const name of Object.keys(filters)) {
    const select = $('#filter-' + name);
    const choices = filterOptions(name);
    const signature = JSON.stringify([filters[name], choices]);
    if (select.dataset.signature === signature) continue;
    select.dataset.signature = signature;
    select.replaceChildren(...choices.map(([value, label]) =>
      el('option', { value, text: label, selected: value === filters[name] })));
  }
}

export function onFilter(name, event) {
  filters[name] = event.target.value;
  state.pages = 1;
  refreshQueue();
}

function matchesSearch(ticket, needle) {
  if (!needle) return true;
  const facts = ticket.facts || {};
  return ['#' + ticket.id, ticket.summary, ticket.kind, ticket.marketplace, ticket.shop,
    ticket.order_id, facts.buyer_name, facts.order_name, facts.tracking_number]
    .some((field) => typeof field === 'string' && field.toLowerCase().includes(needle));
}

export function visibleTickets() {
  // What the server searched for, it found; a shorter text or a ticket number is matched here.
  const needle = serverSearch() ? '' : state.search.trim().toLowerCase();
  return state.tickets
    .filter((ticket) => matchesSearch(ticket, needle))
    .slice()
    .sort((a, b) => Date.parse(a.due.at) - Date.parse(b.due.at));
}

/** Visible ticket ids in the order the lanes show them: red, yellow, blue. */
export function orderedIds() {
  const tickets = visibleTickets();
  return SEVERITIES.flatMap((severity) =>
    tickets.filter((ticket) => ticket.severity === severity).map((ticket) => ticket.id));
}

/** Redraw the lanes when something they show changed; keyboard focus stays on its card. */
export function renderQueue(force) {
  const tickets = visibleTickets();
  const signature = JSON.stringify([state.lang, tickets, [...state.selected], state.cursor]);
  if (!force && signature === state.queueSignature) return;
  state.queueSignature = signature;
  const focused = document.activeElement;
  const focusedCard = focused && focused.closest ? focused.closest('.lanes .ticket') : null;
  const focusedPart = focusedCard ? (focused.matches('input') ? 'input' : 'a') : null;
  const focusedId = focusedCard ? Number(focusedCard.dataset.id) : null;
  for (const severity of SEVERITIES) {
    const lane = $('#lane-' + severity);
    const mine = tickets.filter((ticket) => ticket.severity === severity);
    lane.querySelector('.count').textContent = String(mine.length);
    const items = mine.length
      ? mine.map(ticketCard)
      : [el('li', { class: 'empty', text: t('lane.empty') })];
    lane.querySelector('.tickets').replaceChildren(...items);
  }
  if (focusedId !== null) {
    const again = document.querySelector('.lanes .ticket[data-id="' + focusedId + '"] ' + focusedPart);
    // Putting the focus back is not the agent moving the cursor (see onQueueFocus).
    state.refocusing = true;
    if (again) again.focus({ preventScroll: true });
    state.refocusing = false;
  }
  renderBatchBar();
  tick();
}

function ticketCard(ticket) {
  const facts = ticket.facts || {};
  const selected = state.selected.has(ticket.id);
  const box = el('input', { type: 'checkbox', class: 'select', checked: selected, 'data-id': ticket.id });
  box.setAttribute('aria-label', t('batch.selectTicket') + ' #' + ticket.id);
  const classes = ['ticket'];
  if (selected) classes.push('selected');
  if (state.cursor === ticket.id) classes.push('cursor');
  if (ticket.undelivered_reply) classes.push('undelivered');
  return el('li', { class: classes.join(' '), 'data-id': ticket.id },
    box,
    el('a', { href: '#/tickets/' + ticket.id },
      el('div', { class: 'row' },
        el('span', { class: 'id', text: '#' + ticket.id }),
        el('span', { class: 'kind', 'data-kind': ticket.kind, text: tOr('kind.', ticket.kind) }),
        el('span', { class: 'countdown', 'data-due': ticket.due.at }),
        ticket.undelivered_reply
          ? el('span', { class: 'undelivered', text: t('reply.failed') })
          : null),
      el('div', { class: 'summary', text: headline(ticket), title: ticket.summary }),
      el('div', { class: 'meta' },
        el('span', { class: 'buyer', text: facts.buyer_name || '' }),
        el('span', { text: ticket.marketplace }),
        el('span', { text: t('status.' + ticket.status) }),
        ticket.language ? el('span', { text: ticket.language }) : null,
        el('span', { class: 'assignee', text: ticket.assignee || t('ticket.unassigned') }))));
}
