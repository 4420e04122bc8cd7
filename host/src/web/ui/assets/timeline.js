// The ticket page's timeline: one line per entry, newest first.

import { el } from './dom.js';
import { formatTime, t } from './i18n.js';

/** The timeline; `actions` (the ticket's outbox) says where each reply is. */
export function timeline(entries, actions) {
  const byId = new Map((actions || []).map((a) => [a.id, a]));
  const items = entries.slice().reverse().map((entry) =>
    el('li', { class: 'entry ' + entry.type },
      el('time', { text: formatTime(entry.at) }),
      el('span', { class: 'type', text: entry.type }),
      el('span', { class: 'what' }, describe(entry),
        entry.type === 'reply-sent' && entry.action != null
          ? replyState(byId.get(entry.action))
          : null)));
  return el('section', { class: 'card' },
    el('h2', { text: t('ticket.timeline') }), el('ol', { class: 'timeline' }, items));
}

/** One line for a timeline entry, from its own fields. */
function describe(entry) {
  switch (entry.type) {
    case 'event': return entry.summary;
    case 'note': return entry.by + ': ' + entry.text;
    case 'reply-sent': return entry.by + ': ' + entry.body;
    case 'buyer-wrote': return (entry.author || t('thread.buyer')) + ': ' + entry.text;
    case 'assigned': return (entry.to || '—') + ' (' + entry.by + ')';
    case 'opened': return t('lane.' + entry.severity) + ' · ' + t('ticket.due') + ' '
      + formatTime(entry.due.at);
    default: {
      const rest = Object.entries(entry)
        .filter(([key]) => key !== 'type' && key !== 'at')
        .map(([key, value]) => key + '=' + (typeof value === 'object' ? JSON.stringify(value) : value));
      return rest.join(', ');
    }
  }
}

/** Where a reply is: queued, sending, retrying (and when), delivered, or not delivered (why). */
function replyState(action) {
  const names = { pending: 'queued', sending: 'sending', unknown: 'retrying', done: 'delivered' };
  const name = !action ? 'queued' : (names[action.state] || 'failed');
  const detail = name === 'failed' ? ': ' + action.error
    : name === 'retrying' ? ' (' + formatTime(action.next_attempt_at) + ')' : '';
  return el('span', { class: 'reply-state ' + name, 'data-state': name, text: t('reply.' + name) + detail });
}
