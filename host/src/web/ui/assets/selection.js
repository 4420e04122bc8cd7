// Which queue tickets are selected for batch work, and the keyboard cursor among them.

import { orderedIds, renderQueue, visibleTickets } from './queue.js';
import { state } from './state.js';

export function setSelected(id, on) {
  if (on) state.selected.add(id);
  else state.selected.delete(id);
}

/** A click on a card's checkbox; with Shift, everything between it and the last click. */
export function onSelectClick(event) {
  const box = event.target.closest('input.select');
  if (!box) return;
  const id = Number(box.dataset.id);
  const ids = orderedIds();
  if (event.shiftKey && state.anchor !== null && ids.includes(state.anchor)) {
    const [from, to] = [ids.indexOf(state.anchor), ids.indexOf(id)].sort((a, b) => a - b);
    for (const other of ids.slice(from, to + 1)) setSelected(other, box.checked);
  } else {
    setSelected(id, box.checked);
  }
  state.anchor = id;
  state.cursor = id;
  renderQueue();
}

/** "Select all" of a lane: selects its visible tickets, or unselects them if all were. */
export function selectLane(severity) {
  const ids = visibleTickets().filter((ticket) => ticket.severity === severity).map((x) => x.id);
  const all = ids.length > 0 && ids.every((id) => state.selected.has(id));
  for (const id of ids) setSelected(id, !all);
  renderQueue();
}

export function clearSelection() {
  state.selected.clear();
  state.anchor = null;
  renderQueue();
}

/** Selected ids in queue order; a selected ticket that left the queue is kept last. */
export function selectedIds() {
  const ids = orderedIds().filter((id) => state.selected.has(id));
  for (const id of state.selected) if (!ids.includes(id)) ids.push(id);
  return ids;
}

export function moveCursor(step) {
  const ids = orderedIds();
  if (ids.length === 0) return;
  const at = ids.indexOf(state.cursor);
  const next = at < 0 ? (step > 0 ? 0 : ids.length - 1)
    : Math.min(ids.length - 1, Math.max(0, at + step));
  state.cursor = ids[next];
  renderQueue();
  focusCursor();
}

export function focusCursor() {
  const link = document.querySelector('.lanes .ticket[data-id="' + state.cursor + '"] a');
  if (link) {
    link.focus();
    link.scrollIntoView({ block: 'nearest' });
  }
}

/** Tabbing onto a card moves the cursor there too. */
export function onQueueFocus(event) {
  const card = event.target.closest && event.target.closest('.lanes .ticket');
  if (!card || state.refocusing) return;
  const id = Number(card.dataset.id);
  if (state.cursor === id) return;
  for (const old of document.querySelectorAll('.lanes .ticket.cursor')) old.classList.remove('cursor');
  card.classList.add('cursor');
  state.cursor = id;
}
