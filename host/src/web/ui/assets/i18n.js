// UI strings in the chosen language, and dates and money formatted for it.

import { $ } from './dom.js';
import { state } from './state.js';
import { STRINGS } from './strings.js';

/** A UI string; `{name}` placeholders are filled from `vars`. */
export function t(key, vars) {
  const text = STRINGS[state.lang][key] ?? STRINGS.en[key] ?? key;
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in vars ? String(vars[name]) : whole));
}

/** A UI string for a value from the API (a status, rule, scenario): the value itself when
 * the table has no name for it. */
export function tOr(prefix, value) {
  const key = prefix + value;
  return STRINGS[state.lang][key] ?? STRINGS.en[key] ?? String(value);
}

export function applyStrings() {
  document.documentElement.lang = state.lang;
  document.title = 'HelloWord · ' + t('app.title');
  for (const node of document.querySelectorAll('[data-i18n]')) {
    node.textContent = t(node.getAttribute('data-i18n'));
  }
  $('#lang-toggle').textContent = t('lang.switch');
}

/** How many minor-unit digits `currency` has (2 for EUR, 0 for JPY; the browser's ISO 4217
 * table), or null when it is not a three-letter code. */
export function currencyDigits(currency) {
  if (!/^[A-Z]{3}$/.test(currency)) return null;
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits;
  } catch (_) {
    return null;
  }
}

export function money(amount) {
  const digits = currencyDigits(amount.currency) ?? 2;
  const value = Number(amount.minor_units) / 10 ** digits;
  try {
    return new Intl.NumberFormat(state.lang, { style: 'currency', currency: amount.currency }).format(value);
  } catch (_) {
    return value.toFixed(digits) + ' ' + amount.currency;
  }
}

/** A ticket's one-line title in the page's language. In English, the connector's own line
 * (the contract has connectors write it in English); otherwise built from the ticket's fields
 * — its kind, order and amount — so nothing on the page stays English. */
export function headline(ticket) {
  if (state.lang === 'en') return ticket.summary;
  const facts = ticket.facts || {};
  const parts = [tOr('kind.', ticket.kind)];
  const order = facts.order_name || ticket.order_id;
  if (order) parts.push(t('headline.order', { order }));
  if (ticket.amount && ticket.amount.minor_units !== undefined) parts.push(money(ticket.amount));
  return parts.join(' · ');
}

/** Why a compliance finding matters, in the page's language: the UI's own words for the
 * rule where it has them, else the gateway's explanation. */
export function findingWhy(finding) {
  if (state.lang === 'en') return finding.explanation || '';
  return STRINGS[state.lang]['why.' + finding.rule] ?? finding.explanation ?? '';
}

export function formatTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return new Intl.DateTimeFormat(state.lang, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}
