// Signing in with an API token (for a session cookie and its CSRF token) and out.

import { call } from './api.js';
import { renderBatchBar } from './batch.js';
import { loadAgents, loadLocales } from './catalog.js';
import { $, show } from './dom.js';
import { t } from './i18n.js';
import { startLive, stopLive } from './live.js';
import { route } from './router.js';
import { state } from './state.js';

export async function signIn(event) {
  event.preventDefault();
  const input = $('#token');
  const { status, data } = await call('POST', '/ui/session', { token: input.value });
  if (status !== 200) {
    $('#sign-in-error').textContent = t('signIn.failed') + ': ' + (data.message || status);
    return;
  }
  input.value = '';
  $('#sign-in-error').textContent = '';
  signedIn(data);
}

export async function signedIn(session) {
  state.user = session.user;
  state.csrf = session.csrf;
  $('#whoami').textContent = session.user;
  $('#sign-out').hidden = false;
  await Promise.all([loadAgents(), loadLocales()]);
  renderBatchBar();
  startLive();
  route();
}

export function signedOut() {
  state.user = null;
  state.csrf = null;
  stopLive();
  $('#whoami').textContent = '';
  $('#sign-out').hidden = true;
  show('sign-in-view');
}

export async function signOut() {
  await call('DELETE', '/ui/session');
  signedOut();
}
