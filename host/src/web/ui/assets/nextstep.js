// The ticket page's next step: what this kind of case needs from the agent now, with the
// buttons that do it — a chargeback's evidence and its deadline, a return's decision, a
// missing parcel's tracking with reship and refund, a message's reply. Each button calls
// the same API an integrator would (`/evidence`, `/actions`); a refusal (a lead-only step)
// shows in the ticket's message line, and the outbox card shows where each action stands.

import { $, el } from './dom.js';
import { formatTime, t } from './i18n.js';
import { ticketChange } from './ticket.js';

const DISPUTES = ['chargeback', 'payment-dispute', 'a-to-z-claim'];
const RETURNS = ['return-request'];
const PARCELS = ['not-received', 'delivered-not-received', 'logistics-delay', 'customs-hold',
  'damaged', 'wrong-item', 'quality'];
const MESSAGES = ['buyer-message', 'negative-review', 'cancellation-request'];

/** The card for `view` (`GET /api/tickets/{id}`), or none when the case is closed. */
export function nextStepCard(view) {
  const ticket = view.ticket;
  if (ticket.status === 'resolved' || ticket.status === 'closed') return null;
  const kind = ticket.kind;
  let body = null;
  if (DISPUTES.includes(kind)) body = dispute(ticket);
  else if (RETURNS.includes(kind)) body = returnDecision(ticket);
  else if (PARCELS.includes(kind)) body = parcel(ticket, view.order);
  else if (MESSAGES.includes(kind)) body = reply();
  if (!body) return null;
  return el('section', { class: 'card next-step', id: 'next-step', 'data-kind': kind },
    el('h2', { text: t('next.title') }), body);
}

function button(id, label, onClick, secondary) {
  const b = el('button', { type: 'button', id, class: secondary ? 'secondary' : null, text: label });
  b.addEventListener('click', onClick);
  return b;
}

function dispute(ticket) {
  const due = ticket.due || {};
  return [
    el('p', {}, t('next.dispute', { due: formatTime(due.at) }), ' ',
      el('span', { class: 'countdown', 'data-due': due.at })),
    el('div', { class: 'field-row' },
      button('next-evidence-draft', t('next.evidenceDraft'), () =>
        ticketChange(ticket.id, '/evidence', { submit: false }, t('next.evidenceQueued')), true),
      button('next-evidence-submit', t('next.evidenceSubmit'), () => {
        if (window.confirm(t('next.evidenceConfirm'))) {
          ticketChange(ticket.id, '/evidence', { submit: true }, t('next.evidenceQueued'));
        }
      })),
  ];
}

function returnDecision(ticket) {
  const note = el('input', { type: 'text', id: 'next-return-note', placeholder: t('next.returnNote') });
  note.setAttribute('aria-label', t('next.returnNote'));
  const decide = (approve) => ticketChange(ticket.id, '/actions', {
    actions: [{ ReturnDecision: { approve, decline_reason: null, note: note.value || null } }],
  }, t(approve ? 'next.returnApproved' : 'next.returnDeclined'));
  return [
    el('p', { text: t('next.return') }),
    el('div', { class: 'field-row' },
      button('next-return-approve', t('next.approve'), () => decide(true)),
      note,
      button('next-return-decline', t('next.decline'), () => decide(false), true)),
  ];
}

function parcel(ticket, order) {
  const shipment = (order && order.shipment) || {};
  const facts = ticket.facts || {};
  const tracking = shipment.tracking_number || facts.tracking_number;
  const lines = (order && order.items ? order.items : []);
  const rows = [
    el('p', {}, t('next.parcel'), ' ',
      el('strong', { id: 'next-tracking', text: tracking
        ? (shipment.carrier || facts.carrier || '') + ' ' + tracking
        : t('next.noTracking') }),
      shipment.status ? ' · ' + shipment.status : null),
  ];
  // A reship sends the order's lines again; without them the agent uses the proposal.
  const items = lines.filter((i) => i.id).map((i) => [i.id, i.quantity]);
  const reship = button('next-reship', t('next.reship'), () => ticketChange(ticket.id, '/actions', {
    actions: [{ Reship: { line_items: items, expedited: true, note: null } }],
  }, t('next.queued')), true);
  const refund = button('next-refund', t('next.refund'), () => ticketChange(ticket.id, '/actions', {
    actions: [{ Refund: { amount: null, line_items: items, include_shipping: true, note: null, notify_buyer: true } }],
  }, t('next.queued')), true);
  rows.push(el('div', { class: 'field-row' }, reship, refund));
  if (!lines.length) rows.push(el('p', { class: 'hint', text: t('next.noLines') }));
  return rows;
}

function reply() {
  return [
    el('p', { text: t('next.message') }),
    button('next-reply', t('next.reply'), () => {
      const body = $('#reply-body');
      if (body) { body.scrollIntoView({ block: 'center' }); body.focus(); }
    }),
  ];
}
