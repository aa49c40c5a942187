// Browser test of the hpo dashboard (server/http/web) against a running coordinator, in
// headless Chromium through playwright-core (dashboard_test.sh starts the coordinator):
//   node dashboard_test.mjs --browser PATH --url http://HOST:PORT --screenshots DIR \
//     --live STUDY --other STUDY [--worker-id ID] [--token-url URL --token TOKEN] [--wait 60]
// --live names a study whose trials are still finishing, --other a second study; --worker-id
// the live worker's id (HTML, which must be shown as text); --token-url a coordinator that
// wants --token. Prints a PASS or FAIL line per check and exits 1 on any failure.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({
  options: {
    browser: { type: 'string' }, url: { type: 'string' }, screenshots: { type: 'string' },
    live: { type: 'string' }, other: { type: 'string' }, 'worker-id': { type: 'string' },
    'token-url': { type: 'string' }, token: { type: 'string' }, wait: { type: 'string', default: '60' },
  },
});
for (const name of ['browser', 'url', 'screenshots', 'live', 'other']) {
  if (!opt[name]) {
    console.error(`dashboard_test: --${name} is required`);
    process.exit(2);
  }
}
const WAIT_MS = Number(opt.wait) * 1000;
const PLOTS = ['history', 'curves', 'parallel', 'importance', 'slice', 'contour'];
const studyUrl = `${opt.url}/#/study/${encodeURIComponent(opt.live)}`;
mkdirSync(opt.screenshots, { recursive: true });

let passed = 0;
let failed = 0;
// check(name, fn): runs one check; fn returns its figures or throws why it failed.
async function check(name, fn) {
  const start = Date.now();
  try {
    const figures = await fn();
    passed++;
    console.log(`PASS ${name}: ${figures} (${Date.now() - start} ms)`);
  } catch (error) {
    failed++;
    console.log(`FAIL ${name}: ${error.message.split('\n')[0]}`);
  }
}

// Console errors, page errors and failed requests of a page, as lines.
function watchErrors(page) {
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`); });
  return problems;
}

// The trial table's rows as {number, state, worker}.
const tableRows = (page) => page.$$eval('#trial-table tbody tr', (rows) => rows.map((tr) => {
  const cells = [...tr.children];
  const headers = [...document.querySelectorAll('#trial-table thead th')].map((th) => th.dataset.key);
  return { number: Number(tr.dataset.number), state: tr.querySelector('td.state').textContent,
    worker: cells[headers.indexOf('worker_id')]?.textContent };
}));

const browser = await chromium.launch({ executablePath: opt.browser });
try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const problems = watchErrors(page);
  const apiJson = async (path) => (await page.request.get(`${opt.url}/api${path}`)).json();

  await check('studies page', async () => {
    const start = Date.now();
    await page.goto(`${opt.url}/#/`);
    for (const name of [opt.live, opt.other]) {
      await page.locator(`#studies-table tbody tr[data-name="${name}"]`).waitFor({ timeout: 15000 });
    }
    const rows = await page.locator('#studies-table tbody tr').count();
    await page.screenshot({ path: `${opt.screenshots}/studies.png`, fullPage: true });
    return `${opt.live} and ${opt.other} listed, ${rows} rows, shown in ${Date.now() - start} ms`;
  });

  // The study page: table, every plot drawn, and the trials COMPLETE at load.
  let completeAtLoad = new Set();
  await check('study page', async () => {
    const expected = (await apiJson(`/studies/${encodeURIComponent(opt.live)}`)).n_trials;
    const start = Date.now();
    await page.goto(studyUrl);
    await page.evaluate(() => { window.dashboardTestMark = 'not reloaded'; });
    await page.locator('#trial-table tbody tr').first().waitFor({ timeout: 15000 });
    const tableMs = Date.now() - start;
    const rows = await tableRows(page);
    completeAtLoad = new Set(rows.filter((r) => r.state === 'COMPLETE').map((r) => r.number));
    const total = Number((await page.textContent('#page-info')).match(/of ([\d,]+)/)[1].replace(/,/g, ''));
    if (total < expected) throw new Error(`table holds ${total} trials, the API said ${expected}`);
    if (new Set(rows.map((r) => r.number)).size !== rows.length) throw new Error('a trial is listed twice');
    await page.waitForFunction((ids) => ids.every((id) => {
      const box = document.getElementById(`plot-${id}`);
      return box && Number(box.dataset.points) > 0 && box.querySelector('canvas, svg');
    }), PLOTS, { timeout: 20000 }).catch(async () => {
      const points = await page.$$eval('[id^="plot-"]',
        (boxes) => boxes.map((b) => `${b.id}=${b.dataset.points}`).join(' '));
      throw new Error(`not every plot drew data within 20 s: ${points}`);
    });
    const points = await page.$$eval(PLOTS.map((id) => `#plot-${id}`).join(','),
      (boxes) => boxes.map((b) => `${b.id.slice(5)} ${b.dataset.points}`).join(', '));
    return `${total} trials (API: ${expected}), ${completeAtLoad.size} COMPLETE at load, table in ${tableMs} ms, ` +
      `all plots in ${Date.now() - start} ms; data points: ${points}`;
  });

  if (opt['worker-id']) {
    await check('user strings shown as text', async () => {
      const rows = await tableRows(page);
      const shown = rows.filter((r) => r.worker === opt['worker-id']).length;
      if (!shown) throw new Error(`no row shows worker ${JSON.stringify(opt['worker-id'])} as text`);
      const injected = await page.locator('#trial-table tbody img').count();
      if (injected) throw new Error(`${injected} <img> elements from the worker id in the table`);
      return `${shown} rows show worker id ${JSON.stringify(opt['worker-id'])} verbatim, no element made of it`;
    });
  }

  await check('live update', async () => {
    const start = Date.now();
    let done = null;
    while (!done) {
      if (Date.now() - start > WAIT_MS) throw new Error(`no trial became COMPLETE within ${opt.wait} s`);
      await page.waitForTimeout(500);
      done = (await tableRows(page)).find((r) => r.state === 'COMPLETE' && !completeAtLoad.has(r.number));
    }
    const mark = await page.evaluate(() => window.dashboardTestMark);
    if (mark !== 'not reloaded') throw new Error('the page reloaded');
    await page.screenshot({ path: `${opt.screenshots}/study.png`, fullPage: true });
    return `trial #${done.number} shown COMPLETE ${((Date.now() - start) / 1000).toFixed(1)} s after load, without reload`;
  });

  await check('trial detail', async () => {
    const row = page.locator('#trial-table tbody tr', { has: page.locator('td.state', { hasText: 'COMPLETE' }) }).first();
    const number = Number(await row.getAttribute('data-number'));
    await row.click();
    await page.waitForURL(`**/#/study/${encodeURIComponent(opt.live)}/trial/${number}`, { timeout: 5000 });
    await page.locator('#trial-detail h2', { hasText: `Trial #${number}` }).waitFor({ timeout: 10000 });
    const trial = await apiJson(`/studies/${encodeURIComponent(opt.live)}/trials/${number}`);
    const params = await page.locator('#trial-detail table.params tbody tr').count();
    if (params !== Object.keys(trial.params).length) {
      throw new Error(`${params} parameters shown, the trial has ${Object.keys(trial.params).length}`);
    }
    await page.waitForFunction(() => Number(document.getElementById('plot-trial-curve')?.dataset.points) > 0,
      null, { timeout: 10000 });
    const steps = Number(await page.getAttribute('#plot-trial-curve', 'data-points'));
    if (steps !== Object.keys(trial.intermediate_values).length) {
      throw new Error(`curve of ${steps} points, the trial has ${Object.keys(trial.intermediate_values).length} steps`);
    }
    await page.screenshot({ path: `${opt.screenshots}/trial.png`, fullPage: true });
    return `trial #${number}: ${params} parameters, curve of ${steps} steps`;
  });

  await check('no console or page errors', async () => {
    if (problems.length) throw new Error(`${problems.length}: ${problems.slice(0, 5).join(' | ')}`);
    return 'none on the studies, study and trial pages';
  });

  if (opt['token-url']) {
    await check('token form', async () => {
      const tokenPage = await (await browser.newContext()).newPage();  // a session without a token
      const errors = [];
      tokenPage.on('pageerror', (e) => errors.push(e.message));
      await tokenPage.goto(`${opt['token-url']}/#/`);
      const form = tokenPage.locator('#token-form');
      await form.waitFor({ timeout: 10000 });
      await tokenPage.fill('#token-input', `${opt.token}-wrong`);
      await tokenPage.click('#token-form button[type=submit]');
      await tokenPage.locator('#token-form', { hasText: 'refused' }).waitFor({ timeout: 10000 });
      await tokenPage.fill('#token-input', opt.token);
      await tokenPage.click('#token-form button[type=submit]');
      await tokenPage.locator('#studies-table tbody tr').first().waitFor({ timeout: 10000 });
      if (await form.count()) throw new Error('the token form is still shown');
      if (errors.length) throw new Error(`page errors: ${errors.join(' | ')}`);
      return 'asked for the token, refused a wrong one, listed studies with the right one';
    });
  }
} finally {
  await browser.close();
}
console.log(`screenshots in ${opt.screenshots}`);
console.log(`dashboard_test: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
