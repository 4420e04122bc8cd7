// The ticket page's compensation card: the policy's proposals with approve and reject,
// and the actions in the outbox.

import { el } from './dom.js';
import { formatTime, money, t, tOr } from './i18n.js';
import { ticketChange } from './ticket.js';

/** The kind of an action (`{"Refund": {…}}`) and a few words on it. */
function actionWords(action) {
  const kind = action && typeof action === 'object' ? Object.keys(action)[0] : String(action);
  const spec = (action && action[kind]) || {};
  const parts = [];
  if (spec.amount && spec.amount.minor_units !== undefined) parts.push(money(spec.amount));
  else if (kind === 'Refund') parts.push(t('proposal.full'));
  if (Array.isArray(spec.line_items) && spec.line_items.length) {
    parts.push(spec.line_items.map(([item, n]) => item + ' × ' + n).join(', '));
  }
  if (spec.note) parts.push(spec.note);
  return tOr('action.', kind) + (parts.length ? ': ' + parts.join(' · ') : '');
}

export function proposalsCard(view) {
  const ticket = view.ticket;
  const items = (view.proposals || []).slice().reverse().map((proposal) => proposalItem(ticket, proposal));
  const ask = el('button', { type: 'button', id: 'proposal-ask', class: 'secondary', text: t('proposal.ask') });
  ask.addEventListener('click', () => ticketChange(ticket.id, '/propose', {}));
  const actions = (view.actions || []).map(outboxItem);
  return el('section', { class: 'card proposals', id: 'proposals' },
    el('h2', { text: t('proposal.title') }),
    items.length ? el('ol', { class: 'proposal-list' }, items) : el('p', { class: 'hint', text: t('proposal.none') }),
    ask,
    actions.length ? [el('h3', { text: t('proposal.outbox') }), el('ul', { class: 'actions' }, actions)] : null);
}

function proposalItem(ticket, proposal) {
  const parts = [
    el('h3', {}, '#' + proposal.id + ' ',
      el('span', { class: 'state ' + proposal.state, text: tOr('proposal.state.', proposal.state) }),
      ' · ' + t('proposal.tier') + ': ' + tOr('proposal.tier.', proposal.tier)),
    el('p', { class: 'rationale' }, el('strong', { text: t('proposal.rationale') + ': ' }),
      el('span', { text: proposal.rationale })),
    el('div', { class: 'proposal-actions' }, el('strong', { text: t('proposal.actions') + ':' }),
      el('ul', {}, (proposal.actions || []).map((a) => el('li', { text: actionWords(a) })))),
  ];
  if ((proposal.evidence_to_request || []).length) {
    parts.push(el('p', {}, t('proposal.evidence') + ': ', proposal.evidence_to_request.join(', ')));
  }
  if (proposal.by) parts.push(el('p', { class: 'hint', text: proposal.by + ' · ' + formatTime(proposal.at) + (proposal.reason ? ' · ' + proposal.reason : '') }));
  if (proposal.state === 'open') parts.push(decision(ticket, proposal));
  return el('li', { class: 'proposal ' + proposal.state, 'data-id': proposal.id }, parts);
}

/** Approve, or reject with a reason, an open proposal. */
function decision(ticket, proposal) {
  const approve = el('button', { type: 'button', class: 'approve', text: t('proposal.approve') });
  approve.addEventListener('click', () =>
    ticketChange(ticket.id, '/proposals/' + proposal.id + '/approve', {}));
  const reason = el('input', { type: 'text', class: 'reason', placeholder: t('proposal.reason') });
  reason.setAttribute('aria-label', t('proposal.reason'));
  const reject = el('button', { type: 'button', class: 'reject secondary', text: t('proposal.reject') });
  reject.addEventListener('click', () =>
    ticketChange(ticket.id, '/proposals/' + proposal.id + '/reject', { reason: reason.value }));
  return el('div', { class: 'field-row' }, approve, reason, reject);
}

/** An action in the outbox and how far it got. */
function outboxItem(entry) {
  const action = entry.action && entry.action.kind ? entry.action.kind : entry.action;
  return el('li', { class: 'action ' + entry.state },
    el('span', { text: actionWords(action) }), ' — ',
    el('span', { class: 'state', text: tOr('action.state.', entry.state) }),
    entry.error ? el('span', { class: 'hint', text: ' (' + entry.error + ')' }) : null);
}
