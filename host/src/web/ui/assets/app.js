// HelloWord processing panel. Plain JavaScript in ES modules, served by the gateway itself
// (host/src/web/ui/mod.rs lists every file); this one is the entry: it wires the page's
// controls and starts on DOMContentLoaded.
//
// Rules every module keeps: every UI string comes from STRINGS (strings.js); text from
// tickets and customers is only ever put on the page with textContent or as DOM nodes
// (el() in dom.js; never innerHTML); state changes carry the session's CSRF token (call()
// in api.js).
//
// The modules:
//   strings.js   the UI strings, English and Chinese
//   state.js     the shared state, the queue filters, constants
//   i18n.js      t(), tOr(), dates and money in the chosen language
//   dom.js       $(), el(), show(), fillSelect()
//   api.js       call() (fetch with the CSRF token), failure()
//   catalog.js   agents, locale packs and scenarios for the pickers
//   session.js   sign-in and sign-out
//   router.js    which page the URL's hash shows
//   live.js      SLA countdowns, polling and the alert stream
//   queue.js     the queue: filters, search, lanes of ticket cards
//   selection.js selected tickets and the keyboard cursor
//   keyboard.js  shortcuts and their help panel
//   batch.js     batch work on the selection and its results
//   ticket.js    the ticket page and its side cards
//   composer.js  the reply composer
//   proposals.js compensation proposals and the outbox
//   conversation.js  the ticket's conversation: the buyer's messages and the replies
//   order.js     the order behind the ticket
//   nextstep.js  what the case needs next, with its buttons
//   timeline.js  the ticket's timeline
//   views.js     saved views of the queue
//
// The modules import one another's functions, in cycles too; that is safe because nothing
// runs while they load except state.js building its state (from strings.js alone) and the
// last line of this file.

import { call } from './api.js';
import { batchApprove, batchAssign, batchClose, batchCoupon, batchDraft, renderBatchBar } from './batch.js';
import { $ } from './dom.js';
import { applyStrings } from './i18n.js';
import { onKey, toggleShortcuts } from './keyboard.js';
import { tick } from './live.js';
import { moreTickets, onFilter, onSearch, renderFilters, renderQueue } from './queue.js';
import { route } from './router.js';
import { clearSelection, onQueueFocus, onSelectClick, selectLane } from './selection.js';
import { signIn, signOut, signedIn, signedOut } from './session.js';
import { filters, state } from './state.js';
import { renderTicket } from './ticket.js';
import { applyView, renderSavedViews, saveView } from './views.js';

function setLanguage(lang) {
  state.lang = lang;
  try { window.localStorage.setItem('hw.lang', lang); } catch (_) { /* storage off */ }
  applyStrings();
  renderFilters();
  renderBatchBar();
  renderQueue();
  if (state.ticket) renderTicket(state.ticket);
  tick();
}

async function start() {
  applyStrings();
  $('#sign-in-form').addEventListener('submit', signIn);
  $('#sign-out').addEventListener('click', signOut);
  $('#lang-toggle').addEventListener('click', () =>
    setLanguage(state.lang === 'en' ? 'zh-CN' : 'en'));
  for (const name of Object.keys(filters)) {
    $('#filter-' + name).addEventListener('change', (event) => onFilter(name, event));
  }
  $('#filter-text').addEventListener('input', onSearch);
  $('#queue-more').addEventListener('click', moreTickets);
  $('#view-save').addEventListener('click', saveView);
  $('#saved-views').addEventListener('change', applyView);
  renderSavedViews();
  const lanes = document.querySelector('.lanes');
  lanes.addEventListener('click', onSelectClick);
  lanes.addEventListener('focusin', onQueueFocus);
  for (const button of document.querySelectorAll('.select-lane')) {
    button.addEventListener('click', () => selectLane(button.getAttribute('data-severity')));
  }
  $('#batch-assign').addEventListener('click', batchAssign);
  $('#batch-draft').addEventListener('click', batchDraft);
  $('#batch-approve').addEventListener('click', batchApprove);
  $('#batch-coupon').addEventListener('click', batchCoupon);
  $('#batch-close').addEventListener('click', batchClose);
  $('#batch-clear').addEventListener('click', clearSelection);
  $('#batch-results-dismiss').addEventListener('click', () => { $('#batch-results').hidden = true; });
  $('#shortcuts-open').addEventListener('click', () => toggleShortcuts(true));
  $('#shortcuts-close').addEventListener('click', () => toggleShortcuts(false));
  document.addEventListener('keydown', onKey);
  window.addEventListener('hashchange', route);
  window.setInterval(tick, 1000);
  const { status, data } = await call('GET', '/ui/session');
  if (status === 200) {
    signedIn(data);
  } else {
    signedOut();
  }
}

document.addEventListener('DOMContentLoaded', start);
