// What the panel knows at run time: one shared object, the queue filters, and a few
// constants. Modules read and change `state` directly; nothing here touches the page.

import { LANGUAGES } from './strings.js';

export const STATUSES = ['new', 'waiting-on-us', 'waiting-on-buyer', 'waiting-on-marketplace',
  'resolved', 'closed'];
export const SEVERITIES = ['red', 'yellow', 'blue'];
export const POLL_MS = 3000;

export const state = {
  lang: initialLanguage(),
  user: null,
  csrf: null,
  tickets: [],
  agents: [],
  locales: null,
  ticket: null,
  // Batch work: selected ticket ids, the keyboard cursor, the anchor of a shift-click range.
  selected: new Set(),
  cursor: null,
  anchor: null,
  search: '',
  // The queue's pages: how many are shown, and the cursor after the last one (none: all).
  pages: 1,
  next: null,
  queueSignature: '',
  refocusing: false,
  busy: false,
  pollTimer: null,
  stream: null,
};

function initialLanguage() {
  let saved = null;
  try { saved = window.localStorage.getItem('hw.lang'); } catch (_) { /* storage off */ }
  if (LANGUAGES.includes(saved)) return saved;
  return (navigator.language || '').toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

export const filters = { view: '', marketplace: '', status: '', agent: '', language: '' };

/** The quick views of the queue and the query each one adds. */
export const VIEWS = { mine: 'mine=true', unassigned: 'unassigned=true', overdue: 'overdue=true' };
/** Tickets a page of the queue holds. */
export const PAGE = 200;
