// The ticket page's order card: the order behind the case as the gateway joined it from
// every event that named it — buyer and contact, items (SKU, batch), amounts, refunds,
// tracking and the carrier's status — and, while the gateway looks the order up at the
// marketplace, that it does.

import { el } from './dom.js';
import { formatTime, money, t } from './i18n.js';

/** What an agent is told of the order's lookup at the marketplace (none once found). */
function lookupState(lookup) {
  if (!lookup) return null;
  if (lookup.pending) return t('order.lookup.pending');
  const known = ['not-found', 'gave-up', 'refused'];
  return known.includes(lookup.outcome) ? t('order.lookup.' + lookup.outcome) : null;
}

/** The card for `order` (`GET /api/tickets/{id}`'s `order`), or none. */
export function orderCard(order) {
  if (!order) return null;
  const shipment = order.shipment || {};
  const rows = [
    ['order.name', order.name || order.id],
    ['order.buyer', order.buyer],
    ['order.email', order.email],
    ['order.language', order.language],
    ['order.country', order.country],
    ['order.placed', order.placed_at ? formatTime(order.placed_at) : null],
    ['order.total', order.total ? money(order.total) : null],
    ['order.status', order.status],
    ['order.note', order.note],
    ['order.carrier', shipment.carrier],
    ['order.tracking', shipment.tracking_number
      ? (shipment.tracking_url && /^https:\/\//.test(shipment.tracking_url)
        ? el('a', { href: shipment.tracking_url, target: '_blank', rel: 'noopener noreferrer', text: shipment.tracking_number })
        : shipment.tracking_number)
      : null],
    ['order.shipment', shipment.status],
    ['order.delivered', shipment.delivered_at ? formatTime(shipment.delivered_at) : null],
    ['order.proof', shipment.delivery_proof],
    ['order.lookup', lookupState(order.lookup)],
  ].filter(([, value]) => value);
  const items = (order.items || []).map((item) => el('li', { class: 'item' },
    item.quantity + ' × ' + item.title,
    item.sku ? el('span', { class: 'sku', text: ' · SKU ' + item.sku }) : null,
    item.batch ? el('span', { class: 'batch', text: ' · ' + t('order.batch') + ' ' + item.batch }) : null,
    item.unit_price ? ' · ' + money(item.unit_price) : null));
  const refunds = (order.refunds || []).map(([amount, at]) =>
    el('li', { text: money(amount) + ' · ' + formatTime(at) }));
  return el('section', { class: 'card order', id: 'order' },
    el('h2', { text: t('order.title') }),
    el('dl', {}, rows.map(([key, value]) => [el('dt', { text: t(key) }), el('dd', {}, value)])),
    items.length ? [el('h3', { text: t('order.items') }), el('ul', { class: 'items' }, items)] : null,
    refunds.length ? [el('h3', { text: t('order.refunds') }), el('ul', { class: 'refunds' }, refunds)] : null);
}
