// The dashboard's page at scale (issue #16), in headless Chromium through playwright-core:
//   node dashboard_bench.mjs --browser PATH --url http://HOST:PORT --study NAME \
//     --poll-seconds S --rendered FILE --out FILE.json [--screenshot FILE.png]
// Opens the study page and times its first render: the trial table shown, then every plot
// drawn with data (the page is interactive). Writes FILE (--rendered) once rendered, so that
// run.sh can start the gRPC load, then keeps the page open, polling, for S seconds and counts
// the page's /api requests and their durations.
import { chromium } from 'playwright-core';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({
  options: {
    browser: { type: 'string' }, url: { type: 'string' }, study: { type: 'string' },
    'poll-seconds': { type: 'string', default: '20' }, rendered: { type: 'string' },
    out: { type: 'string' }, screenshot: { type: 'string' },
  },
});
const PLOTS = ['history', 'curves', 'parallel', 'importance', 'slice', 'contour'];
const quantile = (xs, q) => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

const browser = await chromium.launch({ executablePath: opt.browser });
const result = {};
let start = 0;
try {
  const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  const requests = [];  // {path, ms} of every /api request answered
  const timeline = [];  // every request of the first render: [path, ms after navigation, ms taken]
  page.on('requestfinished', (r) => {
    const url = new URL(r.url());
    const t = r.timing();
    if (!result.interactive_ms) timeline.push([url.pathname + url.search, Math.round(t.startTime - start), Math.round(t.responseEnd)]);
    if (url.pathname.startsWith('/api/')) requests.push({ path: url.pathname + url.search, ms: t.responseEnd });
  });
  const expected = (await (await page.request.get(`${opt.url}/api/studies/${encodeURIComponent(opt.study)}`)).json()).n_trials;
  start = Date.now();
  await page.goto(`${opt.url}/#/study/${encodeURIComponent(opt.study)}`);
  await page.locator('#trial-table tbody tr').first().waitFor({ timeout: 30000 });
  result.table_ms = Date.now() - start;
  await page.waitForFunction((ids) => ids.every((id) => {
    const box = document.getElementById(`plot-${id}`);
    return box && Number(box.dataset.points) > 0 && box.querySelector('canvas, svg');
  }), PLOTS, { timeout: 60000, polling: 50 });
  result.interactive_ms = Date.now() - start;
  result.total_trials = Number((await page.textContent('#page-info')).match(/of ([\d,]+)/)[1].replace(/,/g, ''));
  result.points = Object.fromEntries(await page.$$eval(PLOTS.map((id) => `#plot-${id}`).join(','),
    (boxes) => boxes.map((b) => [b.id.slice(5), Number(b.dataset.points)])));
  // Every trial loaded: the table counts them all.
  await page.waitForFunction((n) => Number(document.getElementById('page-info').textContent
    .match(/of ([\d,]+)/)?.[1].replace(/,/g, '')) >= n, expected, { timeout: 60000, polling: 50 });
  result.all_loaded_ms = Date.now() - start;
  result.first_load_requests = requests.length;
  result.first_render_timeline = timeline;
  if (opt.screenshot) await page.screenshot({ path: opt.screenshot, fullPage: true });
  if (opt.rendered) writeFileSync(opt.rendered, 'rendered\n');
  const pollStart = Date.now();
  const before = requests.length;
  await page.waitForTimeout(Number(opt['poll-seconds']) * 1000);
  const polls = requests.slice(before);
  result.poll_seconds = (Date.now() - pollStart) / 1000;
  result.poll_requests = polls.length;
  result.poll_p50_ms = quantile(polls.map((r) => r.ms), 0.5);
  result.poll_max_ms = quantile(polls.map((r) => r.ms), 1);
  result.total_trials_after_polling = Number((await page.textContent('#page-info'))
    .match(/of ([\d,]+)/)[1].replace(/,/g, ''));
  result.errors = errors.slice(0, 5);
} finally {
  await browser.close();
}
console.log(`  page: table in ${result.table_ms} ms, interactive (every plot drawn) in ${result.interactive_ms} ms, ` +
  `${result.total_trials} trials in the table, ${result.first_load_requests} /api requests; points ${JSON.stringify(result.points)}`);
console.log(`  polling ${result.poll_seconds.toFixed(1)} s: ${result.poll_requests} /api requests, p50 ` +
  `${result.poll_p50_ms} ms, max ${result.poll_max_ms} ms; table then held ${result.total_trials_after_polling} trials; ` +
  `page errors: ${result.errors.length ? result.errors.join(' | ') : 'none'}`);
if (opt.out) writeFileSync(opt.out, JSON.stringify(result, null, 2) + '\n');
process.exit(result.errors.length ? 1 : 0);
