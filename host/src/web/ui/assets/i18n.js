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

export function formatTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return new Intl.DateTimeFormat(state.lang, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}
