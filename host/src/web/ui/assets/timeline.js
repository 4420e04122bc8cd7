// The ticket page's timeline: one line per entry, newest first.

import { el } from './dom.js';
import { formatTime, t, tOr } from './i18n.js';
import { state } from './state.js';

/** The timeline; `actions` (the ticket's outbox) says where each reply is. */
export function timeline(entries, actions) {
  const byId = new Map((actions || []).map((a) => [a.id, a]));
  const items = entries.slice().reverse().map((entry) =>
    el('li', { class: 'entry ' + entry.type },
      el('time', { text: formatTime(entry.at) }),
      el('span', { class: 'type', 'data-type': entry.type, text: tOr('tl.type.', entry.type) }),
      el('span', { class: 'what' }, describe(entry),
        entry.type === 'reply-sent' && entry.action != null
          ? replyState(byId.get(entry.action))
          : null)));
  return el('section', { class: 'card' },
    el('h2', { text: t('ticket.timeline') }), el('ol', { class: 'timeline' }, items));
}

/** One line for a timeline entry, in the page's language, from its own fields. */
function describe(entry) {
  const who = (name) => (name === 'system' ? t('tl.system') : name);
  const status = (s) => tOr('status.', s);
  switch (entry.type) {
    case 'event': return state.lang === 'en'
      ? entry.summary + (entry.platform_status ? ' (' + entry.platform_status + ')' : '')
      // The connector's line is English (the contract says so): named by what it is, with
      // the marketplace's state in the page's language where the UI knows it.
      : t('tl.marketplaceEvent') + (entry.platform_status
        ? t('tl.platformStatus', { status: tOr('pstatus.', entry.platform_status) }) : '');
    case 'buyer-wrote': return (entry.author || t('thread.buyer')) + ': ' + entry.text;
    case 'awaiting-reply': return t('tl.awaitingReply', { due: formatTime(entry.due.at) });
    case 'opened': return t('lane.' + entry.severity) + ' · ' + t('ticket.due') + ' '
      + formatTime(entry.due.at);
    case 'severity-raised': return t('tl.severityRaised',
      { from: t('lane.' + entry.from), to: t('lane.' + entry.to) });
    case 'assigned': return entry.to
      ? t('tl.assigned', { to: entry.to, by: who(entry.by) }) + (entry.reason ? ' — ' + entry.reason : '')
      : t('tl.unassigned', { by: who(entry.by) });
    case 'note': return who(entry.by) + ': ' + entry.text;
    case 'proposed': return t('tl.proposed', { id: entry.proposal, tier: tOr('proposal.tier.', entry.tier) })
      + ': ' + (entry.actions || []).join(', ') + ' — ' + entry.rationale;
    case 'proposal-decided': return t(entry.approved ? 'tl.approved' : 'tl.rejected',
      { id: entry.proposal, by: who(entry.by) }) + (entry.reason ? ': ' + entry.reason : '');
    case 'action-queued': return t('tl.actionQueued', { what: entry.what, id: entry.action });
    case 'action-done': return t('tl.actionDone', { what: entry.what, id: entry.action })
      + ': ' + entry.detail + (entry.marketplace_ref ? ' (' + entry.marketplace_ref + ')' : '');
    case 'action-failed': return t('tl.actionFailed', { what: entry.what, id: entry.action })
      + ': ' + entry.error;
    case 'reply-sent': return who(entry.by) + ': ' + entry.body;
    case 'alerted': return t('tl.alerted', { channel: entry.channel, to: entry.recipient })
      + ': ' + entry.status;
    case 'evidence-received': return t('tl.evidence', { name: entry.name, kb: Math.ceil(entry.bytes / 1024) });
    case 'translated': return t('tl.translated', { by: who(entry.by), to: entry.target_language })
      + ': ' + entry.text;
    case 'auto-reply': return t('tl.autoReply', { language: entry.language }) + ': ' + entry.subject;
    case 'auto-reply-failed': return t('tl.autoReplyFailed') + ': ' + entry.error;
    case 'escalated': return t('tl.escalated', { pct: Math.round(entry.per_mille / 10) })
      + (entry.lead ? ' → ' + entry.lead : '');
    case 'follow-up-scheduled': return t('tl.followUp', { at: formatTime(entry.due), by: who(entry.by) })
      + ': ' + entry.what;
    case 'follow-up-due': return t('tl.followUpDue') + ': ' + entry.what;
    case 'follow-up-cancelled': return t('tl.followUpCancelled', { by: who(entry.by) });
    case 'status-changed': return t('tl.status', { from: status(entry.from), to: status(entry.to), by: who(entry.by) });
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
