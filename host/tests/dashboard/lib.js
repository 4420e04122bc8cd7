// What the dashboard's browser scenarios share: a fresh headless Chromium, the pass/fail
// protocol with the Rust test (a last line `PASS`, or `FAIL: …` and failure.png with exit
// code 1), and signing in.
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { chromium } = require('playwright-core');

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const WAIT_MS = 20000;

function check(condition, message) {
  if (!condition) throw new Error(message);
}

/** Run `scenario(page, problems)` in a fresh browser profile and report the outcome. */
async function runScenario(shots, scenario) {
  fs.mkdirSync(shots, { recursive: true });
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-chromium-'));
  // A fresh profile (playwright-core's name for --user-data-dir) for every run.
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
    viewport: { width: 1400, height: 900 },
  });
  const page = browser.pages()[0] || await browser.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    // A CSP violation is reported on the console as "Refused to …".
    if (m.type() === 'error' && m.text().includes('Refused to')) problems.push(m.text());
  });
  try {
    await scenario(page, problems);
    check(problems.length === 0, `the page reported problems:\n${problems.join('\n')}`);
    console.log('PASS');
  } catch (e) {
    await page.screenshot({ path: path.join(shots, 'failure.png'), fullPage: true }).catch(() => {});
    console.log(`FAIL: ${e.stack || e}`);
    process.exitCode = 1;
  } finally {
    await browser.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

/** Open the dashboard and sign in with `token`; the queue is showing afterwards. */
async function signIn(page, baseUrl, token) {
  await page.goto(baseUrl + '/ui/');
  await page.waitForSelector('#sign-in-view:not([hidden])', { timeout: WAIT_MS });
  await page.fill('#token', token);
  await page.click('#sign-in-form button[type=submit]');
  await page.waitForSelector('#queue-view:not([hidden])', { timeout: WAIT_MS });
  await page.waitForSelector('.ticket', { timeout: WAIT_MS });
}

module.exports = { WAIT_MS, check, runScenario, signIn };
