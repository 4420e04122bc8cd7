// Keyboard shortcuts, and the panel that lists them.

import { $ } from './dom.js';
import { renderQueue } from './queue.js';
import { clearSelection, moveCursor, setSelected } from './selection.js';
import { state } from './state.js';

export function toggleShortcuts(open) {
  const panel = $('#shortcuts');
  panel.hidden = open === undefined ? !panel.hidden : !open;
  if (!panel.hidden) $('#shortcuts-close').focus();
}

export function onKey(event) {
  if (event.ctrlKey || event.metaKey || event.altKey || !state.user) return;
  const target = event.target;
  const typing = target.closest && target.closest('textarea, select, [contenteditable], input:not([type=checkbox])');
  const inQueue = !$('#queue-view').hidden;
  const inTicket = !$('#ticket-view').hidden;
  if (event.key === 'Escape') {
    if (!$('#shortcuts').hidden) toggleShortcuts(false);
    else if (typing) target.blur();
    else if (inTicket) window.location.hash = '#/';
    else if (inQueue && state.selected.size) clearSelection();
    else return;
    event.preventDefault();
    return;
  }
  if (typing) return;
  switch (event.key) {
    case '?': toggleShortcuts(); break;
    case '/':
      if (!inQueue) return;
      $('#filter-text').focus();
      break;
    case 'j': if (!inQueue) return; moveCursor(1); break;
    case 'k': if (!inQueue) return; moveCursor(-1); break;
    case 'x':
      if (!inQueue || state.cursor === null) return;
      setSelected(state.cursor, !state.selected.has(state.cursor));
      state.anchor = state.cursor;
      renderQueue();
      break;
    case 'Enter':
      // A focused link or button does its own thing.
      if (!inQueue || state.cursor === null || target.closest('a, button')) return;
      window.location.hash = '#/tickets/' + state.cursor;
      break;
    default: return;
  }
  event.preventDefault();
}
