// The ticket page's conversation: what the buyer wrote and what the seller answered, oldest
// first and the newest at the bottom, as a chat thread. The buyer's words are shown as they
// were written (text, never HTML); a message in another language than the dashboard's has
// "Translate for me", which asks the translator plugin and shows the translation beneath.
// An outbound message says where its delivery stands.

import { call, failure } from './api.js';
import { el } from './dom.js';
import { formatTime, t, tOr } from './i18n.js';
import { state } from './state.js';

/** The thread of `view.conversation` (see `GET /api/tickets/{id}`). */
export function conversationCard(view) {
  const messages = view.conversation || [];
  const list = messages.length
    ? el('ol', { class: 'thread' }, messages.map((m) => message(view.ticket, m)))
    : el('p', { class: 'hint', text: t('thread.empty') });
  return el('section', { class: 'card conversation', id: 'conversation' },
    el('h2', { text: t('thread.title') }), list);
}

function message(ticket, m) {
  const inbound = m.direction === 'in';
  const head = el('p', { class: 'meta' },
    el('strong', { class: 'author', text: inbound ? (m.author === 'buyer' ? t('thread.buyer') : m.author) : authorOut(m) }),
    ' · ', el('span', { class: 'source', text: tOr('thread.source.', m.source) }),
    ' · ', el('span', { class: 'channel', text: m.channel }),
    m.language ? [' · ', el('span', { class: 'lang', text: m.language })] : null,
    ' · ', el('time', { dateTime: m.at, text: formatTime(m.at) }));
  const parts = [head];
  if (m.subject) parts.push(el('p', { class: 'subject', text: m.subject }));
  parts.push(el('p', { class: 'text', text: m.text }));
  if ((m.attachments || []).length) {
    parts.push(el('p', { class: 'hint', text: t('thread.attachments') + ': ' + m.attachments.join(', ') }));
  }
  if (inbound && needsTranslation(m)) parts.push(translateButton(ticket, m));
  if (!inbound) parts.push(deliveryState(m.delivery_state));
  return el('li', {
    class: 'message ' + (inbound ? 'in' : 'out'),
    'data-direction': m.direction,
    'data-delivery': m.delivery != null ? String(m.delivery) : null,
    'data-action': m.action != null ? String(m.action) : null,
  }, parts);
}

function authorOut(m) {
  return m.source === 'auto-reply' ? t('thread.gateway') : m.author;
}

/** Whether a buyer's message is in another language than the dashboard's. */
function needsTranslation(m) {
  const mine = state.lang.split('-')[0];
  return !m.language || m.language.split('-')[0] !== mine;
}

function translateButton(ticket, m) {
  const out = el('div', { class: 'translation', role: 'status' });
  const button = el('button', { type: 'button', class: 'translate secondary', text: t('thread.translate') });
  button.addEventListener('click', async () => {
    button.disabled = true;
    out.replaceChildren(el('span', { class: 'hint', text: t('thread.translating') }));
    const body = { text: m.text, target_language: state.lang.split('-')[0], read: true };
    if (m.language) body.source_language = m.language;
    const { status, data } = await call('POST', '/api/tickets/' + ticket.id + '/translate', body);
    button.disabled = false;
    if (status === 200) {
      out.replaceChildren(el('p', { class: 'hint', text: t('thread.translated', { translator: data.translation.translator || '' }) }),
        el('blockquote', { class: 'translated', text: data.translation.text }));
    } else {
      out.replaceChildren(el('p', { class: 'flash error', text: failure(status, data) }));
    }
  });
  return el('div', { class: 'translate-row' }, button, out);
}

/** Where an outbound message is: queued, sending, retrying (and when), sent, or failed (why). */
function deliveryState(delivery) {
  const d = delivery || { state: 'queued' };
  const names = { queued: 'queued', sending: 'sending', retrying: 'retrying', sent: 'delivered', failed: 'failed' };
  const name = names[d.state] || 'queued';
  let detail = '';
  if (name === 'failed') detail = ': ' + d.error;
  else if (name === 'retrying') detail = ' (' + formatTime(d.next_attempt_at) + (d.error ? ' · ' + d.error : '') + ')';
  else if (name === 'delivered' && d.marketplace_ref) detail = ' (' + d.marketplace_ref + ')';
  return el('span', { class: 'reply-state ' + name, 'data-state': name, text: t('reply.' + name) + detail });
}
