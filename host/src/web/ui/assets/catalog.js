// What the pickers offer: the team's agents, and the locale packs with their scenarios.

import { call } from './api.js';
import { state } from './state.js';

export async function loadAgents() {
  const { status, data } = await call('GET', '/api/agents');
  if (status === 200) state.agents = (data.agents || []).map((a) => a.name).filter(Boolean);
}

/** The locale packs and the scenario catalogue, for template pickers. */
export async function loadLocales() {
  const { status, data } = await call('GET', '/api/locales');
  if (status === 200) state.locales = data;
}

export function scenarios() {
  return (state.locales && state.locales.scenarios) || [];
}

/** Every language some loaded locale pack writes. */
export function packLanguages() {
  const seen = new Set();
  for (const pack of (state.locales && state.locales.packs) || []) {
    for (const language of pack.languages || []) seen.add(language);
  }
  return [...seen].sort();
}
