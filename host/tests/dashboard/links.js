// Follows the ticket links alerts carry, as an agent who is not signed in does, in Debian's
// Chromium for host/tests/dashboard.rs: each link opens the sign-in, and after it the page of
// the ticket the alert is about, at the address the link named.
//
//   node links.js <base-url> <token> <screenshot-dir> <ticket-id> <link>...
//
// Prints `PASS` (exit 0) or the failure (exit 1, with failure.png).
'use strict';

const path = require('node:path');
const { WAIT_MS, check, runScenario } = require('./lib');

const [baseUrl, token, shots, ticketId, ...links] = process.argv.slice(2);
if (!baseUrl || !token || !shots || !ticketId || links.length === 0) {
  console.error('usage: node links.js <base-url> <token> <screenshot-dir> <ticket-id> <link>...');
  process.exit(2);
}

async function run(page) {
  for (const [i, link] of links.entries()) {
    check(link.startsWith(baseUrl + '/'), `${link} points at the gateway ${baseUrl}`);
    // Signed out, and a fresh document: the links of the channels may all be the same.
    await page.context().clearCookies();
    await page.goto('about:blank');
    const response = await page.goto(link);
    check(response && response.status() === 200,
      `${link} answers ${response ? response.status() : 'nothing'}`);
    await page.waitForSelector('#sign-in-view:not([hidden])', { timeout: WAIT_MS });
    await page.fill('#token', token);
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForSelector('#ticket-view:not([hidden]) .ticket-head .id', { timeout: WAIT_MS });
    const shown = (await page.textContent('#ticket-view .ticket-head .id')).trim();
    check(shown === '#' + ticketId, `${link} shows ticket ${shown}, not #${ticketId}`);
    check(page.url() === link, `the address stays ${link}, got ${page.url()}`);
    await page.screenshot({ path: path.join(shots, `20-alert-link-${i + 1}.png`), fullPage: true });
  }
}

runScenario(shots, run);
