// Helpers of the console's browser tests: Chromium through playwright-core, the server
// and token from the environment (crates/sluice/tests/console.rs sets them).
const { chromium } = require('playwright-core');
const path = require('path');

const url = process.env.SLUICE_URL;
const token = process.env.SLUICE_TOKEN;
const shots = process.env.SCREENSHOTS;
const started = Date.now();

function log(text) {
  console.log(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${text}`);
}

function check(ok, what) {
  if (!ok) throw new Error(`check failed: ${what}`);
}

async function open() {
  const browser = await chromium.launch({ executablePath: process.env.SLUICE_CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.setDefaultTimeout(90_000);
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return { browser, page, errors };
}

/** A screenshot of the page as `name`.png, after checking it has no horizontal scroll. */
async function shot(page, name) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  check(overflow <= 0, `${name}: the page scrolls ${overflow} px sideways at 1280x800`);
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
  log(`screenshot ${name}.png`);
}

/** Enters the token with the keyboard, as a user does. */
async function signIn(page, value = token) {
  await page.focus('#token');
  await page.keyboard.type(value);
  await page.keyboard.press('Enter');
}

async function run(body) {
  const { browser, page, errors } = await open();
  try {
    await body(page);
    check(errors.length === 0, `no script error in the page: ${errors.join('; ')}`);
    log('done');
  } catch (e) {
    await page.screenshot({ path: path.join(shots, 'failure.png'), fullPage: true }).catch(() => {});
    console.error(e.stack || e);
    console.error(`page text:\n${await page.innerText('body').catch(() => '')}`);
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
}

module.exports = { url, token, log, check, shot, signIn, run };
