// Keeping the page current: the SLA countdowns (tick() runs every second) and the queue
// (polled, and refreshed at once by the alert stream).

import { $ } from './dom.js';
import { t } from './i18n.js';
import { refreshQueue } from './queue.js';
import { POLL_MS, state } from './state.js';

/** "3h 04m 05s left" or "1h 02m 00s overdue", in the page's language ("剩余 3小时 04分 05秒"). */
function countdown(dueAt, now) {
  const ms = Date.parse(dueAt) - now;
  const overdue = ms < 0;
  let seconds = Math.floor(Math.abs(ms) / 1000);
  const days = Math.floor(seconds / 86400);
  seconds -= days * 86400;
  const pad = (n) => String(n).padStart(2, '0');
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const span = (days ? days + t('unit.d') + ' ' : '') + h + t('unit.h') + ' ' + pad(m) + t('unit.m')
    + ' ' + pad(s) + t('unit.s');
  return { overdue, text: t(overdue ? 'sla.overdueSpan' : 'sla.leftSpan', { span }) };
}

export function tick() {
  const now = Date.now();
  for (const node of document.querySelectorAll('[data-due]')) {
    const { overdue, text } = countdown(node.getAttribute('data-due'), now);
    node.textContent = text;
    node.classList.toggle('overdue', overdue);
  }
  const live = $('#live');
  live.textContent = t(state.stream ? 'live.on' : 'live.polling');
}

// The queue is polled every few seconds; the alert stream (when alerts are configured)
// makes a new red ticket show up at once instead of at the next poll.
export function startLive() {
  stopLive();
  state.pollTimer = window.setInterval(() => {
    if (!$('#queue-view').hidden) refreshQueue();
  }, POLL_MS);
  if (window.EventSource) {
    state.stream = new EventSource('/api/stream');
    state.stream.addEventListener('alert', () => refreshQueue());
    state.stream.onerror = () => { /* EventSource reconnects by itself */ };
  }
}

export function stopLive() {
  if (state.pollTimer) window.clearInterval(state.pollTimer);
  state.pollTimer = null;
  if (state.stream) state.stream.close();
  state.stream = null;
}
