// Saved views of the queue: a name for a set of filters, a quick view and a search, kept in
// this browser (localStorage `hw.views`), picked from a list to apply at once.

import { $, el } from './dom.js';
import { t } from './i18n.js';
import { refreshQueue, renderFilters } from './queue.js';
import { filters, state } from './state.js';

const KEY = 'hw.views';

function load() {
  try {
    const views = JSON.parse(window.localStorage.getItem(KEY) || '{}');
    return views && typeof views === 'object' ? views : {};
  } catch (_) {
    return {};
  }
}

function store(views) {
  try { window.localStorage.setItem(KEY, JSON.stringify(views)); } catch (_) { /* storage off */ }
}

export function renderSavedViews() {
  const names = Object.keys(load()).sort();
  $('#saved-views').replaceChildren(el('option', { value: '', text: t('views.pick') }),
    ...names.map((name) => el('option', { value: name, text: name })));
}

/** Keep the queue's filters and search under a name the agent gives. */
export function saveView() {
  const name = (window.prompt(t('views.name')) || '').trim();
  if (!name) return;
  const views = load();
  views[name] = { filters: { ...filters }, search: state.search };
  store(views);
  renderSavedViews();
  $('#saved-views').value = name;
}

/** Apply the saved view picked in the list. */
export function applyView(event) {
  const view = load()[event.target.value];
  if (!view) return;
  for (const name of Object.keys(filters)) filters[name] = (view.filters || {})[name] || '';
  state.search = view.search || '';
  $('#filter-text').value = state.search;
  state.pages = 1;
  renderFilters();
  refreshQueue();
}
