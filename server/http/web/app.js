'use strict';
// The hpo dashboard: one page over the coordinator's read-only JSON API (/api/).
// Hash routes: #/ the studies, #/study/NAME a study, #/study/NAME/trial/N a trial.
// Every string from the API reaches the DOM as text (el() below), never as HTML:
// study names, parameter choices, fail reasons and worker ids come from users.

const STATES = ['COMPLETE', 'RUNNING', 'WAITING', 'PRUNED', 'FAILED'];
const UNFINISHED = new Set(['RUNNING', 'WAITING']);
const STATE_COLORS = {
  COMPLETE: '#2563eb', RUNNING: '#16a34a', WAITING: '#6b7280', PRUNED: '#d97706', FAILED: '#dc2626',
};
const FAST_POLL_MS = 2000;      // trials, the studies list, an open trial
const SLOW_POLL_MS = 5000;      // a study's summary, series and importance
const FIRST_PAGE = 1000;        // trials in the first page: drawn before the rest arrives
const NEXT_PAGES = 10000;       // trials per page after it (the API's most)
const PLOT_CAP = 5000;          // trials the all-trial plots draw at most ...
const PLOT_BEST = 1000;         // ... the best ones, then an even sample of the rest
const PAGE_SIZE = 50;           // rows of the trial table
const PLOT_HEIGHT = 260;
const PLOTS_UNAVAILABLE = 'plots unavailable: this coordinator was built without the npm plot ' +
  'libraries (uPlot, ECharts)';
const haveUplot = typeof window.uPlot === 'function';
const haveEcharts = typeof window.echarts === 'object' && window.echarts !== null;

// ------------------------------------------------------------------ DOM and formatting

// el('a', {href: '#/', class: 'x', onclick: f}, 'text', node, [more]): an element whose
// string children become text nodes.
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value == null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child != null && child !== false) node.append(child);
  }
  return node;
}

// A number short enough for a table cell; anything else as text.
function fmtNum(v) {
  if (v == null || Number.isNaN(v)) return '–';
  if (typeof v !== 'number') return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e9) return String(v);
  const a = Math.abs(v);
  return a >= 1e-3 && a < 1e6 ? String(Number(v.toPrecision(5))) : Number(v.toPrecision(4)).toExponential();
}
const fmtCount = (n) => n.toLocaleString('en-US');
const fmtPct = (v) => `${(100 * v).toFixed(1)} %`;

function fmtDuration(s) {
  if (s == null) return '–';
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

// "2026-12-07 05:25:47" (UTC) from an ISO time.
const fmtTime = (iso) => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '') : '–');

function fmtAgo(iso) {
  if (!iso) return '–';
  const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  if (s < 60) return `${Math.round(s)} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

const studyHref = (name) => `#/study/${encodeURIComponent(name)}`;
const trialHref = (name, n) => `${studyHref(name)}/trial/${n}`;
const stateBadge = (state, title) => el('span', { class: `badge state-${state}`, title }, state);

// Chips "COMPLETE 3 RUNNING 1" for the states that have trials.
function countChips(counts = {}) {
  return el('span', { class: 'chips' }, STATES.filter((s) => counts[s] > 0).map((s) =>
    el('span', { class: `chip state-${s}`, title: s }, `${s.toLowerCase()} ${fmtCount(counts[s])}`)));
}

// A two-column table of NAME: VALUE pairs (parameters, user attributes).
function kvTable(cls, entries) {
  if (!entries.length) return el('p', { class: 'muted' }, 'none');
  return el('table', { class: `table kv ${cls}` },
    el('tbody', {}, entries.map(([k, v]) => el('tr', {}, el('th', {}, k), el('td', {}, fmtNum(v))))));
}

// Replaces a node's children, skipping null and false as el() does.
function setChildren(node, ...children) {
  node.replaceChildren(...children.flat().filter((c) => c != null && c !== false));
}

const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

// --------------------------------------------------------------- status and errors

const app = document.getElementById('app');
const banner = document.getElementById('error-banner');
const statusLine = document.getElementById('status');
const errors = new Map();       // poller name -> its last error message

function setError(source, message) {
  if (message) errors.set(source, message); else errors.delete(source);
  banner.hidden = errors.size === 0;
  banner.textContent = [...errors.values()].join(' · ');
}

function setCrumbs(...crumbs) {
  const nav = document.getElementById('breadcrumb');
  nav.replaceChildren(...crumbs.flatMap(([text, href]) =>
    [el('span', { class: 'sep' }, '/'), href ? el('a', { href }, text) : el('span', {}, text)]));
}

// ------------------------------------------------------------------------ API client

const TOKEN_KEY = 'hpo.token';
let tokenPrompt = null;         // the open token form's promise, shared by every waiting call

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// GET /api/PATH as JSON. A 401 asks for the bearer token (once for all calls waiting) and
// tries again with it.
async function api(path) {
  for (;;) {
    const token = sessionStorage.getItem(TOKEN_KEY);
    const headers = token ? { Authorization: `Bearer ${token}` } : {};
    const response = await fetch(`/api${path}`, { headers, cache: 'no-store' }).catch(() => {
      throw new ApiError(0, 'cannot reach the coordinator');
    });
    if (response.status === 401) {
      if (sessionStorage.getItem(TOKEN_KEY) === token) {    // not changed meanwhile by a form
        sessionStorage.removeItem(TOKEN_KEY);
        await askToken(token != null);
      }
      continue;
    }
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      throw new ApiError(response.status, body?.error?.message ?? `HTTP ${response.status}`);
    }
    return body;
  }
}

// Shows the token form; resolves once a token is stored for this browser session.
function askToken(refused) {
  tokenPrompt ??= new Promise((resolve) => {
    const input = el('input', { id: 'token-input', type: 'password', autocomplete: 'off', required: true });
    const form = el('form', { id: 'token-form', class: 'card token-form' },
      el('h2', {}, 'Bearer token'),
      el('p', {}, refused ? 'The coordinator refused that token; enter it again.'
        : 'This coordinator needs a bearer token (its --token-file).'),
      input, el('button', { type: 'submit' }, 'Sign in'),
      el('p', { class: 'muted' }, 'Kept for this browser session only.'));
    const overlay = el('div', { class: 'overlay' }, form);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      sessionStorage.setItem(TOKEN_KEY, input.value.trim());
      overlay.remove();
      tokenPrompt = null;
      resolve();
    });
    document.body.append(overlay);
    input.focus();
  });
  return tokenPrompt;
}

// every(name, ms, fn): runs fn now, then ms after each run ends (never two at once), skipping
// ticks while the tab is hidden; its errors go to the banner under `name`. Returns stop().
function every(name, ms, fn) {
  let timer = null;
  let stopped = false;
  const tick = async () => {
    if (!document.hidden) {
      try {
        await fn();
        setError(name, null);
      } catch (error) {
        if (!stopped) setError(name, error.message);
      }
    }
    if (!stopped) timer = setTimeout(tick, ms);
  };
  tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
    setError(name, null);
  };
}

// ---------------------------------------------------------------------------- charts

// Each plot container's chart, so that it can be redrawn, resized and disposed.
const charts = new Map();       // container -> {kind: 'uplot' | 'echarts', chart}
const resizer = new ResizeObserver((entries) => {
  for (const { target } of entries) {
    const entry = charts.get(target);
    if (entry?.kind === 'echarts') entry.chart.resize();
    else if (entry && target.clientWidth > 0) {
      entry.chart.setSize({ width: target.clientWidth, height: entry.chart.height });
    }
  }
});

function disposeChart(box) {
  const entry = charts.get(box);
  if (!entry) return;
  if (entry.kind === 'echarts') entry.chart.dispose(); else entry.chart.destroy();
  charts.delete(box);
  resizer.unobserve(box);
}

// Disposes the charts in `root` and below.
function disposeCharts(root) {
  for (const box of [...charts.keys()]) if (root.contains(box)) disposeChart(box);
}

// A message where a plot would be; it draws no points.
function plotMessage(box, text) {
  disposeCharts(box);
  box.replaceChildren(el('p', { class: 'plot-message' }, text));
  box.dataset.points = '0';
}

// (Re)draws a uPlot chart sized to the container's width.
function drawUplot(box, opts, data, points) {
  disposeCharts(box);
  box.replaceChildren();
  const chart = new uPlot({ width: box.clientWidth || 400, height: PLOT_HEIGHT, ...opts }, data, box);
  charts.set(box, { kind: 'uplot', chart });
  resizer.observe(box);
  box.dataset.points = String(points);
  return chart;
}

// Draws an ECharts option into the container, reusing its chart.
function drawEcharts(box, option, points) {
  let entry = charts.get(box);
  if (entry?.kind !== 'echarts') {
    disposeCharts(box);
    box.replaceChildren();
    entry = { kind: 'echarts', chart: echarts.init(box) };
    charts.set(box, entry);
    resizer.observe(box);
  }
  entry.chart.setOption(option, { notMerge: true });
  box.dataset.points = String(points);
}

// ECharts tooltips built as DOM (never HTML strings): lines of text.
const tooltipLines = (...lines) => el('div', {}, lines.map((line) => el('div', {}, line)));

// uPlot axes: numbers as fmtNum (log axes leave minor ticks unlabelled, as null); whole
// numbers only for int parameters.
const tickLabels = (u, ticks) => ticks.map((v) => (v == null ? '' : fmtNum(v)));
const numberAxis = (label) => ({ label, size: 64, values: tickLabels });
const WHOLE_INCRS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 1e5, 1e6];
const valueFmt = (u, v) => fmtNum(v);

// One x axis for several [x, y] series, as uPlot wants: the sorted union of the x values and,
// per series, its y at each (null where it has none).
function alignSeries(seriesPoints) {
  const xs = [...new Set(seriesPoints.flatMap((pts) => pts.map((p) => p[0])))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  return [xs, ...seriesPoints.map((pts) => {
    const ys = new Array(xs.length).fill(null);
    for (const [x, y] of pts) ys[index.get(x)] = y;
    return ys;
  })];
}

// Optimisation history: COMPLETE trials as points and the best so far as a step line.
function drawHistory(box, series, metric, logY) {
  const { history, best } = series;
  if (!history.length) return plotMessage(box, 'no COMPLETE trial yet');
  const steps = best.slice();
  const lastX = history[history.length - 1][0];
  if (steps.length && steps[steps.length - 1][0] < lastX) steps.push([lastX, steps[steps.length - 1][1]]);
  drawUplot(box, {
    scales: { x: { time: false }, y: { distr: logY ? 3 : 1 } },
    axes: [{ label: 'trial', incrs: WHOLE_INCRS }, numberAxis(metric)],
    series: [
      { label: 'trial' },
      { label: metric, stroke: STATE_COLORS.COMPLETE, paths: () => null, value: valueFmt,
        points: { show: true, size: 5, fill: STATE_COLORS.COMPLETE } },
      { label: 'best so far', stroke: '#111827', width: 2, spanGaps: true, value: valueFmt,
        paths: uPlot.paths.stepped({ align: 1 }), points: { show: false } },
    ],
  }, alignSeries([history, steps]), history.length);
}

// Learning curves; a pruned trial's ends with a marker at its last step.
function drawCurves(box, curves, metric, caption) {
  const withSteps = curves.filter((c) => c.steps.length);
  if (!withSteps.length) return plotMessage(box, 'no intermediate values yet');
  const data = alignSeries(withSteps.map((c) => c.steps));
  const lastIndex = data.slice(1).map((ys) => ys.findLastIndex((y) => y != null));
  const defaultCaption = `${withSteps.length} trials (the best and the most recent); ` +
    '● where a pruned trial stopped';
  caption.textContent = defaultCaption;
  drawUplot(
      box, {
        legend: {show: false},
        focus: {alpha: 0.25},
        cursor: {focus: {prox: 24}},
        scales: {x: {time: false}},
        axes: [{label: 'step', incrs: WHOLE_INCRS}, numberAxis(metric)],
        series: [
          {}, ...withSteps.map((c, i) => ({
                                 label: `#${c.number}`,
                                 stroke: STATE_COLORS[c.state] ?? '#6b7280',
                                 width: 1.5,
                                 spanGaps: true,
                                 points: c.state === 'PRUNED' ? {
                                   show: false,
                                   filter: () => [lastIndex[i]],
                                   size: 8,
                                   fill: STATE_COLORS.PRUNED
                                 } :
                                                                {show: false},
                               }))
        ],
        hooks: {
          setSeries: [(u, i) => {
            const c = i == null ? null : withSteps[i - 1];
            caption.textContent = c ? `trial #${c.number}: ${c.state}, ${c.steps.length} steps, ` +
                    `last ${fmtNum(c.steps[c.steps.length - 1][1])}` :
                                      defaultCaption;
          }],
        },
      },
      data, withSteps.reduce((n, c) => n + c.steps.length, 0));
}

// Where a parameter's value sits on an axis: category index for categorical ones.
function paramCoord(param, value) {
  return param.type === 'categorical' ? param.choices.indexOf(value) : value;
}

// Slice plots: objective against each parameter (log axis for log ones, categories by name).
function drawSlice(box, params, trials, metric) {
  disposeCharts(box);
  box.replaceChildren();
  if (!trials.length) return plotMessage(box, 'no COMPLETE trial yet');
  let points = 0;
  for (const param of params) {
    const cell = el('div', { class: 'slice-cell' });
    box.append(el('div', { class: 'slice' }, el('div', { class: 'slice-title' }, param.name), cell));
    const categorical = param.type === 'categorical';
    // A small fixed jitter by trial number spreads the points of one category.
    const pts = trials.map((t) => [paramCoord(param, t.params[param.name]), t.value, t.number])
      .filter(([x]) => x != null && x !== -1)
      .map(([x, y, n]) => [categorical ? x + (((n * 0.618) % 1) - 0.5) * 0.4 : x, y])
      .sort((a, b) => a[0] - b[0]);
    const xAxis = categorical
      ? { label: param.name, splits: () => param.choices.map((_, i) => i),
        values: (u, splits) => splits.map((i) => param.choices[i] ?? '') }
      : { label: param.name, values: tickLabels, incrs: param.type === 'int' ? WHOLE_INCRS : undefined };
    // The parameter's whole range, so that where trials sit shows.
    const pad = param.type === 'int' && !param.log ? 0.5 : 0;
    const xScale = categorical ? { time: false, range: [-0.5, param.choices.length - 0.5] }
      : { time: false, distr: param.log ? 3 : 1, range: [param.low - pad, param.high + pad] };
    drawUplot(cell, {
      height: 200,
      legend: { show: false },
      scales: { x: xScale },
      axes: [xAxis, numberAxis(metric)],
      series: [{}, { stroke: STATE_COLORS.COMPLETE, paths: () => null,
        points: { show: true, size: 4, fill: 'rgba(37, 99, 235, 0.45)' } }],
    }, [pts.map((p) => p[0]), pts.map((p) => p[1])], pts.length);
    points += pts.length;
  }
  box.dataset.points = String(points);
}

// An ECharts axis for a parameter: categories, log or linear over its range.
function paramAxis(param) {
  if (param.type === 'categorical') return { type: 'category', data: param.choices };
  if (param.type === 'int' && !param.log) {
    return { type: 'value', min: param.low - 0.5, max: param.high + 0.5, minInterval: 1,
      axisLabel: { formatter: (v) => (Number.isInteger(v) ? String(v) : '') } };
  }
  return { type: param.log ? 'log' : 'value', min: param.low, max: param.high };
}

// The objective's colours: light for the worst values, dark for the best.
const valueColors = (direction) =>
  (direction === 'MAXIMIZE' ? ['#dbeafe', '#1e3a8a'] : ['#1e3a8a', '#dbeafe']);

function valueRange(trials) {
  let min = Infinity;
  let max = -Infinity;
  for (const t of trials) { min = Math.min(min, t.value); max = Math.max(max, t.value); }
  return min === max ? [min - 1, max + 1] : [min, max];
}

// Parallel coordinates: one line per trial through its parameters and its objective.
function drawParallel(box, params, trials, metric, direction) {
  const rows = trials.filter((t) => params.every((p) => t.params[p.name] != null));
  if (!rows.length) return plotMessage(box, 'no COMPLETE trial yet');
  const [min, max] = valueRange(rows);
  drawEcharts(box, {
    animation: false,
    parallel: { left: 40, right: 110, top: 30, bottom: 30 },
    parallelAxis: [
      ...params.map((p, dim) => ({ dim, name: p.name, ...paramAxis(p) })),
      { dim: params.length, name: metric, type: 'value', scale: true },
    ],
    visualMap: { type: 'continuous', dimension: params.length, min, max, calculable: true,
      right: 10, top: 'middle', itemHeight: 120, formatter: fmtNum, inRange: { color: valueColors(direction) } },
    series: [{ type: 'parallel', progressive: 1000, lineStyle: { width: 1, opacity: 0.4 },
      data: rows.map((t) => [...params.map((p) => t.params[p.name]), t.value]) }],
  }, rows.length);
}

// Parameter importance as horizontal bars, the most important on top.
function drawImportance(box, importance) {
  const items = importance.importances;
  if (!items.length) return plotMessage(box, 'needs at least 2 COMPLETE trials');
  drawEcharts(box, {
    animation: false,
    grid: { left: 10, right: 60, top: 10, bottom: 20, containLabel: true },
    tooltip: { formatter: (p) => tooltipLines(p.name, fmtPct(p.value)) },
    xAxis: { type: 'value', max: 1, axisLabel: { formatter: (v) => `${Math.round(v * 100)} %` } },
    yAxis: { type: 'category', inverse: true, data: items.map((i) => i.param) },
    series: [{ type: 'bar', data: items.map((i) => i.importance), itemStyle: { color: STATE_COLORS.COMPLETE },
      label: { show: true, position: 'right', formatter: (p) => fmtPct(p.value) } }],
  }, items.length);
}

// A parameter's bins for the contour grid: one per category or per value of a small int range,
// else 12 equal steps over its (log) range. bin(value) gives the index; edges(i) the bin's
// [low, high] on the axis.
function binsOf(param) {
  if (param.type === 'categorical') {
    return { n: param.choices.length, bin: (v) => param.choices.indexOf(v), edges: (i) => [i, i] };
  }
  if (param.type === 'int' && !param.log && param.high - param.low < 12) {
    return { n: param.high - param.low + 1, bin: (v) => (v == null ? -1 : v - param.low),
      edges: (i) => [param.low + i - 0.5, param.low + i + 0.5] };
  }
  const f = param.log ? Math.log : (v) => v;
  const inv = param.log ? Math.exp : (v) => v;
  const lo = f(param.low);
  const span = f(param.high) - lo || 1;
  const n = 12;
  return {
    n,
    bin: (v) => (v == null ? -1 : Math.min(n - 1, Math.max(0, Math.floor(((f(v) - lo) / span) * n)))),
    edges: (i) => [inv(lo + (span * i) / n), inv(lo + (span * (i + 1)) / n)],
  };
}

// Contour of two parameters: the mean objective of every trial in each cell of a grid, with
// the drawn trials as points.
function drawContour(box, px, py, allTrials, trials, metric, direction) {
  const bx = binsOf(px);
  const by = binsOf(py);
  const sum = new Float64Array(bx.n * by.n);
  const count = new Uint32Array(bx.n * by.n);
  for (const t of allTrials) {
    const i = bx.bin(t.params[px.name]);
    const j = by.bin(t.params[py.name]);
    if (i < 0 || j < 0) continue;
    sum[j * bx.n + i] += t.value;
    count[j * bx.n + i] += 1;
  }
  const cells = [];
  for (let j = 0; j < by.n; j++) {
    for (let i = 0; i < bx.n; i++) {
      const k = j * bx.n + i;
      if (count[k]) cells.push([...bx.edges(i), ...by.edges(j), sum[k] / count[k], count[k]]);
    }
  }
  // [x, y, objective, x's value, y's value]: coordinates and what the tooltip says.
  const pts = trials.map((t) => [paramCoord(px, t.params[px.name]), paramCoord(py, t.params[py.name]), t.value,
    t.params[px.name], t.params[py.name]]).filter(([x, y]) => x != null && y != null && x !== -1 && y !== -1);
  if (!pts.length) return plotMessage(box, 'no COMPLETE trial yet');
  const catX = px.type === 'categorical';
  const catY = py.type === 'categorical';
  const means = cells.map((c) => c[4]);
  drawEcharts(box, {
    animation: false,
    grid: { left: 10, right: 90, top: 36, bottom: 10, containLabel: true },
    tooltip: { formatter: (p) => (p.seriesIndex === 0
      ? tooltipLines(`mean ${metric}: ${fmtNum(p.value[4])}`, `${p.value[5]} trials`)
      : tooltipLines(`${px.name}: ${fmtNum(p.value[3])}`, `${py.name}: ${fmtNum(p.value[4])}`,
        `${metric}: ${fmtNum(p.value[2])}`)) },
    xAxis: { name: px.name, nameLocation: 'middle', nameGap: 24, ...paramAxis(px) },
    yAxis: { name: py.name, ...paramAxis(py) },
    visualMap: { type: 'continuous', seriesIndex: 0, dimension: 4, calculable: true, right: 0,
      top: 'middle', itemHeight: 120, min: Math.min(...means), max: Math.max(...means), formatter: fmtNum,
      inRange: { color: valueColors(direction) } },
    series: [
      { type: 'custom', data: cells, encode: { x: [0, 1], y: [2, 3] }, renderItem: (params, api) => {
        const a = api.coord([api.value(0), api.value(2)]);
        const b = api.coord([api.value(1), api.value(3)]);
        const band = api.size([1, 1]);
        const [x0, x1] = catX ? [a[0] - band[0] / 2, a[0] + band[0] / 2] : [a[0], b[0]];
        const [y0, y1] = catY ? [a[1] - band[1] / 2, a[1] + band[1] / 2] : [a[1], b[1]];
        return { type: 'rect', style: { fill: api.visual('color') }, shape: {
          x: Math.min(x0, x1), y: Math.min(y0, y1), width: Math.abs(x1 - x0), height: Math.abs(y1 - y0) } };
      } },
      { type: 'scatter', data: pts, symbolSize: 4, itemStyle: { color: '#111827', opacity: 0.55 } },
    ],
  }, pts.length);
}

// A trial's own learning curve.
function drawTrialCurve(box, trial, metric) {
  const steps = Object.entries(trial.intermediate_values ?? {})
    .map(([s, v]) => [Number(s), v]).sort((a, b) => a[0] - b[0]);
  if (!steps.length) return plotMessage(box, 'no intermediate values');
  drawUplot(box, {
    legend: { show: false },
    scales: { x: { time: false } },
    axes: [{ label: 'step', incrs: WHOLE_INCRS }, numberAxis(metric)],
    series: [{}, { stroke: STATE_COLORS[trial.state] ?? '#6b7280', width: 2, value: valueFmt,
      points: { show: steps.length < 60, size: 5 } }],
  }, [steps.map((s) => s[0]), steps.map((s) => s[1])], steps.length);
}

// The trials the all-trial plots draw: every COMPLETE trial up to PLOT_CAP, else the best
// PLOT_BEST and an even sample (by number) of the rest, in number order.
function plotSample(complete, direction) {
  if (complete.length <= PLOT_CAP) return complete;
  const sign = direction === 'MAXIMIZE' ? -1 : 1;
  const byValue = complete.slice().sort((a, b) => sign * (a.value - b.value));
  const rest = byValue.slice(PLOT_BEST).sort((a, b) => a.number - b.number);
  const n = PLOT_CAP - PLOT_BEST;
  const even = Array.from({ length: n }, (_, i) => rest[Math.floor((i * rest.length) / n)]);
  return byValue.slice(0, PLOT_BEST).concat(even).sort((a, b) => a.number - b.number);
}

// ------------------------------------------------------------------------- trial store

// The trials a study page holds, by number, merged from pages of /trials.
class TrialStore {
  constructor() {
    this.byNumber = [];
    this.count = 0;
    this.revision = 0;              // the study's revision held: every change up to it
    this.version = 0;               // bumped by every change
    this.cache = new Map();         // memo() results of this version
  }

  // Merges a page of trials; returns whether anything changed.
  merge(trials) {
    let changed = false;
    for (const t of trials) {
      const old = this.byNumber[t.number];
      if (old && old.state === t.state && old.value === t.value && old.last_step === t.last_step &&
          old.datetime_complete === t.datetime_complete) continue;
      if (!old) this.count++;
      this.byNumber[t.number] = t;
      changed = true;
    }
    if (changed) {
      this.version++;
      this.cache.clear();
    }
    return changed;
  }

  // fn() computed once per version of the trials.
  memo(key, fn) {
    if (!this.cache.has(key)) this.cache.set(key, fn());
    return this.cache.get(key);
  }

  all() { return this.memo('all', () => this.byNumber.filter(Boolean)); }

  complete() {
    return this.memo('complete', () => this.all().filter((t) => t.state === 'COMPLETE' && t.value != null));
  }

  countByState() {
    return this.memo('counts', () => {
      const counts = Object.fromEntries(STATES.map((s) => [s, 0]));
      for (const t of this.all()) counts[t.state] = (counts[t.state] ?? 0) + 1;
      return counts;
    });
  }

  retriesOf(number) { return this.all().filter((t) => t.retry_of === number).map((t) => t.number); }
}

// ------------------------------------------------------------------------ studies page

function studiesPage() {
  setCrumbs(['studies']);
  const tbody = el('tbody');
  const empty = el('p', { class: 'muted', hidden: true },
    'No study yet: create one with hpo study create --spec FILE.');
  const headings = ['Study', 'State', 'Trials', 'Best value', 'Objective', 'Sampler', 'Last activity'];
  app.append(el('section', { class: 'card' }, el('h2', {}, 'Studies'),
    el('div', { class: 'table-wrap' }, el('table', { id: 'studies-table', class: 'table' },
      el('thead', {}, el('tr', {}, headings.map((h) => el('th', {}, h)))), tbody)), empty));

  const row = (s) => el('tr', { 'data-name': s.name, class: 'clickable',
    onclick: () => { location.hash = studyHref(s.name); } },
  el('td', {}, el('a', { href: studyHref(s.name) }, s.name)),
  el('td', {}, stateBadge(s.state, s.state_reason)),
  el('td', {}, countChips(s.trial_counts)),
  el('td', { class: 'num' }, s.best_trial ? `${fmtNum(s.best_trial.value)} (#${s.best_trial.number})` : '–'),
  el('td', {}, `${s.objective?.metric ?? ''} ${s.direction === 'MAXIMIZE' ? '↑' : '↓'}`),
  el('td', {}, s.sampler),
  el('td', { title: s.datetime_last_activity ?? '' }, fmtAgo(s.datetime_last_activity)));

  const stop = every('studies', FAST_POLL_MS, async () => {
    const { studies } = await api('/studies');
    tbody.replaceChildren(...studies.map(row));
    empty.hidden = studies.length > 0;
    statusLine.textContent = `${studies.length} studies · updated ${new Date().toLocaleTimeString()}`;
  });
  return { stop };
}

// -------------------------------------------------------------------------- study page

function studyPage(name) {
  const base = `/studies/${encodeURIComponent(name)}`;
  const store = new TrialStore();
  let study = null;             // GET /api/studies/NAME
  let series = null;            // .../series
  let importance = null;        // .../importance
  let loaded = false;           // every trial fetched once
  let alive = true;
  const stops = [];

  // The page's parts, filled in as data arrives.
  const summary = el('section', { id: 'study-summary', class: 'card' }, el('h2', {}, name));
  const detail = el('section', { id: 'trial-detail', class: 'card', hidden: true });
  const plotBox = (id, cls = '') => el('div', { id, class: `plot ${cls}`, 'data-points': '0' });
  const box = {
    history: plotBox('plot-history'), curves: plotBox('plot-curves'),
    parallel: plotBox('plot-parallel', 'echart'), importance: plotBox('plot-importance', 'echart'),
    slice: plotBox('plot-slice', 'slices'), contour: plotBox('plot-contour', 'echart tall'),
  };
  const logY = el('input', { type: 'checkbox', id: 'history-log' });
  const curvesCaption = el('p', { class: 'caption' });
  const importanceNote = el('p', { class: 'caption' });
  const sampleNotes = [1, 2, 3].map(() => el('p', { class: 'caption sample-note' }));
  const contourX = el('select', { id: 'contour-x', 'aria-label': 'x parameter' });
  const contourY = el('select', { id: 'contour-y', 'aria-label': 'y parameter' });
  let contourChosen = false;    // the user picked; importance no longer picks for them
  const card = (title, cls, tools, ...body) =>
    el('section', { class: `card plot-card ${cls}` },
      el('div', { class: 'card-head' }, el('h3', {}, title), tools), body);
  const table = trialTable(name, store);

  app.append(summary, detail, el('div', { class: 'grid' },
    card('Optimisation history', '', el('label', { class: 'tool' }, logY, ' log y'), box.history),
    card('Intermediate values', '', null, box.curves, curvesCaption),
    card('Parallel coordinates', 'wide', null, box.parallel, sampleNotes[0]),
    card('Parameter importance', '', null, box.importance, importanceNote),
    card('Contour', '', el('span', { class: 'tool' }, contourX, ' × ', contourY), box.contour, sampleNotes[1]),
    card('Slice', 'wide', null, box.slice, sampleNotes[2])), table.root);

  if (!haveUplot) for (const b of [box.history, box.curves, box.slice]) plotMessage(b, PLOTS_UNAVAILABLE);
  if (!haveEcharts) for (const b of [box.parallel, box.importance, box.contour]) plotMessage(b, PLOTS_UNAVAILABLE);

  const metric = () => study?.objective?.metric ?? 'value';
  const direction = () => study?.direction ?? 'MINIMIZE';

  // The study's header: state, objective, sampler, counts, best trial.
  function renderSummary() {
    const s = study;
    const fact = (label, ...value) => el('div', { class: 'fact' }, el('dt', {}, label), el('dd', {}, value));
    summary.replaceChildren(
      el('h2', {}, name, ' ', stateBadge(s.state, s.state_reason)),
      el('p', { class: 'muted', hidden: !s.state_reason }, s.state_reason ?? ''),
      el('dl', { class: 'facts' },
        fact('objective', `${s.objective?.metric} (${(s.direction ?? '').toLowerCase()})`),
        fact('sampler', s.sampler, s.seed != null ? ` (seed ${s.seed})` : ''),
        fact('trials', fmtCount(s.n_trials ?? 0), s.max_trials ? ` of ${fmtCount(s.max_trials)}` : '', ' ',
          countChips(s.trial_counts)),
        fact('best', s.best_trial ? el('a', { href: trialHref(name, s.best_trial.number) },
          `${fmtNum(s.best_trial.value)} (#${s.best_trial.number})`) : '–'),
        fact('created', fmtTime(s.datetime_create)),
        fact('last activity', el('span', { title: s.datetime_last_activity ?? '' }, fmtAgo(s.datetime_last_activity)))));
  }

  // The contour's parameter choices, once the parameters are known.
  function fillContourSelects() {
    const options = study.params.map((p) => el('option', { value: p.name }, p.name));
    contourX.replaceChildren(...options);
    contourY.replaceChildren(...options.map((o) => o.cloneNode(true)));
    if (study.params.length > 1) contourY.selectedIndex = 1;
  }

  // The plots drawn from the held trials (capped), each in a task of its own.
  // The trials the all-trial plots draw, computed once per version of the store.
  const plotted = () => store.memo('sample', () => plotSample(store.complete(), direction()));

  async function renderTrialPlots() {
    const complete = store.complete();
    const sample = plotted();
    const note = `showing ${fmtCount(sample.length)} of ${fmtCount(complete.length)} COMPLETE trials` +
      (sample.length < complete.length ? ` (the best ${fmtCount(PLOT_BEST)} and an even sample)` : '') +
      (loaded ? '' : ` · loading trials: ${fmtCount(store.count)} of ${fmtCount(study.n_trials)}`);
    for (const n of sampleNotes) n.textContent = note;
    const params = study.params;
    if (haveEcharts) drawParallel(box.parallel, params, sample, metric(), direction());
    await nextTask();
    if (!alive) return;
    if (haveUplot) drawSlice(box.slice, params, sample, metric());
    await nextTask();
    if (alive) renderContour();
  }

  function renderContour() {
    if (!haveEcharts) return;
    const params = study.params;
    const complete = store.complete();
    const sample = plotted();
    const px = params.find((p) => p.name === contourX.value);
    const py = params.find((p) => p.name === contourY.value);
    if (params.length < 2) plotMessage(box.contour, 'needs two parameters');
    else if (px === py) plotMessage(box.contour, 'choose two different parameters');
    else drawContour(box.contour, px, py, complete, sample, metric(), direction());
  }

  // Redraws of the trial plots: the first with data at once, then at most one per SLOW_POLL_MS.
  let lastPlots = 0;
  let plotTimer = null;
  function schedulePlots() {
    if (plotTimer || !study) return;    // syncStudy schedules them once the study is known
    plotTimer = setTimeout(() => {
      plotTimer = null;
      if (store.complete().length) lastPlots = Date.now();    // no wait after an empty draw
      if (alive) renderTrialPlots();
    }, Math.max(0, lastPlots + SLOW_POLL_MS - Date.now()));
  }

  function renderSeriesPlots() {
    if (!haveUplot || !series) return;
    const positive = series.history.every((p) => p[1] > 0);
    logY.disabled = !positive;
    logY.title = positive ? '' : 'a log scale needs values > 0';
    drawHistory(box.history, series, metric(), logY.checked && positive);
    drawCurves(box.curves, series.curves, metric(), curvesCaption);
  }

  function renderImportance() {
    importanceNote.textContent = `${importance.method} over ${fmtCount(importance.n_trials)} trials`;
    if (haveEcharts) drawImportance(box.importance, importance);
    const top = importance.importances;
    if (!contourChosen && top.length > 1 && study &&
        (contourX.value !== top[0].param || contourY.value !== top[1].param)) {
      contourX.value = top[0].param;
      contourY.value = top[1].param;
      if (store.complete().length) renderContour();    // the pair drawn so far was the default one
    }
  }

  // Fetches the trials changed or added since the last call (`changed_after` in the README's
  // API table), page by page; the first call starts with a light page of FIRST_PAGE so the
  // page draws early.
  async function syncTrials() {
    let limit = store.count ? NEXT_PAGES : FIRST_PAGE;
    while (alive) {
      const page =
          await api(`${base}/trials?changed_after=${store.revision}&limit=${limit}&steps=0`);
      if (!alive) return;
      if (store.merge(page.trials)) trialsChanged();
      store.revision = page.revision;
      if (!page.more) break;
      limit = NEXT_PAGES;
      if (!loaded && study) {
        statusLine.textContent = `loading trials: ${fmtCount(store.count)} of ${fmtCount(study.n_trials)}`;
      }
      await nextTask();
    }
    if (!loaded) {
      loaded = true;
      schedulePlots();
    }
    statusLine.textContent = `${fmtCount(store.count)} trials · updated ${new Date().toLocaleTimeString()}`;
  }

  function trialsChanged() {
    table.render();
    detailView.renderLineage();
    schedulePlots();
  }

  // The summary, then the series and importance when the study changed.
  let lastSignature = '';
  async function syncStudy() {
    let fresh;
    try {
      fresh = await api(base);
    } catch (error) {
      if (error.status === 404) {
        stopAll();
        summary.replaceChildren(el('h2', {}, name), el('p', { class: 'muted' }, error.message));
        return;
      }
      throw error;
    }
    const first = !study;
    study = fresh;
    renderSummary();
    if (first) {
      fillContourSelects();
      table.setParams(study.params);
      schedulePlots();
    }
    const signature = JSON.stringify([study.trial_counts, study.datetime_last_activity, study.state]);
    if (signature === lastSignature) return;
    lastSignature = signature;
    [series, importance] = await Promise.all([api(`${base}/series`), api(`${base}/importance`)]);
    if (!alive) return;
    renderSeriesPlots();
    renderImportance();
    if (first) schedulePlots();
  }

  logY.addEventListener('change', renderSeriesPlots);
  for (const select of [contourX, contourY]) {
    select.addEventListener('change', () => {
      contourChosen = true;
      renderTrialPlots();
    });
  }

  const detailView = trialDetail(name, detail, store, () => metric());
  stops.push(every('study', SLOW_POLL_MS, syncStudy), every('trials', FAST_POLL_MS, syncTrials));

  function stopAll() {
    alive = false;
    clearTimeout(plotTimer);
    for (const stop of stops.splice(0)) stop();
    detailView.show(null);
  }
  return {
    stop() {
      stopAll();
      disposeCharts(app);
    },
    // The route's trial: its detail, or none.
    show(number) {
      setCrumbs(['studies', '#/'], [name, number == null ? null : studyHref(name)],
        ...(number == null ? [] : [[`trial #${number}`]]));
      detailView.show(number);
    },
  };
}

// ------------------------------------------------------------------------- trial table

// The trial table: sort by a column, filter by state, pages of PAGE_SIZE, jump to a trial.
function trialTable(studyName, store) {
  let columns = [];
  let sortKey = 'number';
  let sortDir = 1;
  let stateFilter = '';
  let page = 0;

  const thead = el('thead');
  const tbody = el('tbody');
  const allOption = el('option', { value: '' });
  const stateOptions = STATES.map((s) => el('option', { value: s }));
  const filter = el('select', { id: 'state-filter', 'aria-label': 'state' }, allOption, stateOptions);
  const pageInfo = el('span', { id: 'page-info', class: 'muted' });
  const prev = el('button', { id: 'page-prev', type: 'button' }, '‹ prev');
  const next = el('button', { id: 'page-next', type: 'button' }, 'next ›');
  const jumpInput = el('input', { id: 'jump-trial', type: 'number', min: 0, placeholder: 'trial #' });
  const jump = el('form', { id: 'jump-form', class: 'tool' }, jumpInput, el('button', { type: 'submit' }, 'open'));
  const root = el('section', { class: 'card', id: 'trials-card' },
    el('div', { class: 'card-head' }, el('h3', {}, 'Trials'),
      el('span', { class: 'tools' }, el('label', { class: 'tool' }, 'state ', filter), jump)),
    el('div', { class: 'table-wrap' }, el('table', { id: 'trial-table', class: 'table' }, thead, tbody)),
    el('div', { class: 'pager' }, prev, pageInfo, next));

  // Columns: key, heading, the cell's sort key and its text.
  const column = (key, label, get, text = (t) => fmtNum(get(t))) => ({ key, label, get, text });
  function setParams(params) {
    columns = [
      column('number', '#', (t) => t.number),
      column('state', 'state', (t) => t.state),
      column('value', 'value', (t) => t.value),
      ...params.map((p) => column(`param:${p.name}`, p.name, (t) => t.params[p.name])),
      column('last_step', 'last step', (t) => t.last_step ?? null),
      column('duration_s', 'duration', (t) => t.duration_s, (t) => fmtDuration(t.duration_s)),
      column('worker_id', 'worker', (t) => t.worker_id || null, (t) => t.worker_id || '–'),
      column(
          'datetime_start', 'started', (t) => t.datetime_start, (t) => fmtTime(t.datetime_start)),
    ];
    render();
  }

  // The filtered, sorted trials; nulls last whatever the direction.
  function view() {
    return store.memo(`view:${sortKey}:${sortDir}:${stateFilter}`, () => {
      const col = columns.find((c) => c.key === sortKey) ?? columns[0];
      const rows = store.all().filter((t) => !stateFilter || t.state === stateFilter).map((t) => [col.get(t), t]);
      rows.sort(([a, ta], [b, tb]) => {
        if (a == null || b == null) return (a == null) - (b == null) || ta.number - tb.number;
        return (a < b ? -sortDir : a > b ? sortDir : 0) || ta.number - tb.number;
      });
      return rows.map((r) => r[1]);
    });
  }

  function render() {
    if (!columns.length) return;
    const counts = store.countByState();
    allOption.textContent = `all (${fmtCount(store.count)})`;
    STATES.forEach((s, i) => { stateOptions[i].textContent = `${s.toLowerCase()} (${fmtCount(counts[s])})`; });
    thead.replaceChildren(el('tr', {}, columns.map((c) => el('th', {
      class: 'sortable', 'data-key': c.key,
      'aria-sort': c.key === sortKey ? (sortDir > 0 ? 'ascending' : 'descending') : null,
      onclick: () => {
        sortDir = c.key === sortKey ? -sortDir : 1;
        sortKey = c.key;
        page = 0;
        render();
      },
    }, c.label, c.key === sortKey ? (sortDir > 0 ? ' ▲' : ' ▼') : ''))));
    const rows = view();
    const pages = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
    page = Math.min(page, pages - 1);
    const shown = rows.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
    tbody.replaceChildren(...shown.map((t) => el('tr', {
      class: `clickable state-row-${t.state}`, 'data-number': t.number,
      onclick: () => { location.hash = trialHref(studyName, t.number); },
    }, columns.map((c) => el('td', { class: c.key === 'state' ? 'state' : null },
      c.key === 'state' ? stateBadge(t.state) : c.text(t))))));
    pageInfo.textContent = rows.length
      ? `${fmtCount(page * PAGE_SIZE + 1)}–${fmtCount(page * PAGE_SIZE + shown.length)} of ${fmtCount(rows.length)}`
      : 'no trials';
    prev.disabled = page === 0;
    next.disabled = page >= pages - 1;
  }

  filter.addEventListener('change', () => {
    stateFilter = filter.value;
    page = 0;
    render();
  });
  prev.addEventListener('click', () => { page--; render(); });
  next.addEventListener('click', () => { page++; render(); });
  jump.addEventListener('submit', (event) => {
    event.preventDefault();
    if (jumpInput.value !== '') location.hash = trialHref(studyName, Number(jumpInput.value));
  });
  return { root, render, setParams };
}

// ------------------------------------------------------------------------ trial detail

// The trial detail card: facts, params, user attrs, learning curve, fail reason, retries.
// Polled while the trial is unfinished.
function trialDetail(studyName, card, store, metric) {
  let number = null;
  let trial = null;
  let stop = null;
  const lineage = el('p', { id: 'trial-lineage', class: 'lineage' });

  function renderLineage() {
    if (!trial) return;
    const retries = store.retriesOf(trial.number);
    const link = (n) => el('a', { href: trialHref(studyName, n) }, `#${n}`);
    setChildren(lineage,
      trial.retry_of != null ? el('span', {}, 'retry of ', link(trial.retry_of)) : null,
      trial.retry_of != null && retries.length ? ' · ' : null,
      retries.length
        ? el('span', {}, 'retried as ', retries.flatMap((n, i) => (i ? [', ', link(n)] : [link(n)]))) : null);
    lineage.hidden = !lineage.childNodes.length;
  }

  function render() {
    const t = trial;
    const fact = (label, value) => el('div', { class: 'fact' }, el('dt', {}, label), el('dd', {}, value));
    const curve = el('div', { id: 'plot-trial-curve', class: 'plot', 'data-points': '0' });
    disposeCharts(card);
    setChildren(card,
      el('div', { class: 'card-head' },
        el('h2', {}, `Trial #${t.number} `, stateBadge(t.state)),
        el('a', { href: studyHref(studyName), class: 'close', 'aria-label': 'close' }, '✕')),
      el('dl', { class: 'facts' },
        fact('value', fmtNum(t.value)),
        fact('worker', t.worker_id || '–'),
        fact('started', fmtTime(t.datetime_start)),
        fact('completed', fmtTime(t.datetime_complete)),
        fact('duration', fmtDuration(t.duration_s))),
      t.fail_reason ? el('p', { class: 'fail-reason' }, el('strong', {}, 'fail reason: '), t.fail_reason) : null,
      lineage,
      el('div', { class: 'detail-grid' },
        el('div', {}, el('h3', {}, 'Parameters'), kvTable('params', Object.entries(t.params ?? {}))),
        el('div', {}, el('h3', {}, 'User attributes'), kvTable('attrs', Object.entries(t.user_attrs ?? {}))),
        el('div', { class: 'detail-curve' }, el('h3', {}, 'Learning curve'), curve)));
    renderLineage();
    if (haveUplot) drawTrialCurve(curve, t, metric()); else plotMessage(curve, PLOTS_UNAVAILABLE);
  }

  async function refresh() {
    if (trial && trial.number === number && !UNFINISHED.has(trial.state)) return;
    try {
      trial = await api(`/studies/${encodeURIComponent(studyName)}/trials/${number}`);
    } catch (error) {
      if (error.status !== 404) throw error;
      trial = null;
      disposeCharts(card);
      card.replaceChildren(el('h2', {}, `Trial #${number}`), el('p', { class: 'muted' }, error.message));
      return;
    }
    render();
  }

  function show(n) {
    if (n === number) return;
    stop?.();
    stop = null;
    number = Number.isInteger(n) ? n : null;
    trial = null;
    card.hidden = number == null;
    disposeCharts(card);
    card.replaceChildren();
    if (number == null) return;
    card.append(el('p', { class: 'muted' }, `loading trial #${number}…`));
    window.scrollTo(0, 0);
    stop = every('trial', FAST_POLL_MS, refresh);
  }
  return { show, renderLineage };
}

// ----------------------------------------------------------------------------- router

let page = null;                // the page shown: {key, stop(), show?(trial)}

function route() {
  let parts;
  try {
    parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  } catch {
    parts = [];
  }
  const isStudy = parts[0] === 'study' && parts[1];
  const key = isStudy ? `study:${parts[1]}` : 'studies';
  if (page?.key !== key) {
    page?.stop();
    app.replaceChildren();
    statusLine.textContent = '';
    page = isStudy ? studyPage(parts[1]) : studiesPage();
    page.key = key;
  }
  const trial = isStudy && parts[2] === 'trial' && /^\d+$/.test(parts[3] ?? '') ? Number(parts[3]) : null;
  page.show?.(trial);
}

window.addEventListener('hashchange', route);
route();
