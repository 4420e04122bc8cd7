// The gateway's JSON API: every call goes through call(), which adds the session's CSRF
// token to state changes and signs the panel out when the session has ended.

import { t } from './i18n.js';
import { STRINGS } from './strings.js';
import { signedOut } from './session.js';
import { state } from './state.js';

/** A JSON call to the gateway: {status, data}; status 0 when it cannot be reached. */
export async function call(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && state.csrf) headers['X-CSRF-Token'] = state.csrf;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (_) {
    return { status: 0, data: { message: t('error.network') } };
  }
  let data = {};
  try { data = await response.json(); } catch (_) { /* empty body */ }
  if (response.status === 401 && path !== '/ui/session') signedOut();
  return { status: response.status, data };
}

/** The API's words for a failed call. */
export function failure(status, data) {
  // In a language other than English, the UI's own sentence for the error where it has one.
  const own = data && data.error && state.lang !== 'en' ? STRINGS[state.lang]['err.' + data.error] : null;
  if (own) return own;
  const kind = data && data.error ? data.error + ': ' : '';
  return kind + ((data && data.message) || (status === 0 ? t('error.network') : String(status)));
}
