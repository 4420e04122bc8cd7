// The page shown for the URL's hash: sign-in, the queue (#/), or a ticket (#/tickets/N).

import { show } from './dom.js';
import { refreshQueue, renderQueue } from './queue.js';
import { focusCursor } from './selection.js';
import { state } from './state.js';
import { openTicket } from './ticket.js';

export function route() {
  if (!state.user) return show('sign-in-view');
  const match = window.location.hash.match(/^#\/tickets\/(\d+)$/);
  if (match) return openTicket(match[1]);
  state.ticket = null;
  show('queue-view');
  renderQueue(true);
  if (state.cursor !== null) focusCursor();
  refreshQueue();
}
