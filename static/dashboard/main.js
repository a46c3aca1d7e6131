/* The dashboard: one event stream feeds the gauges, both charts, the run card and the history.
 *
 * Frames arrive about 10 times a second. Each one only updates the state and asks for a
 * redraw; redraws are coalesced to one per animation frame and only redraw what changed, so
 * the page stays cheaper than what it measures. window.dashboard exposes the state, the
 * charts and the cost of redraws, for the browser tests and the curious.
 */
import {
  createCharts,
  downloadPng,
  drawDurations,
  drawInFlight,
  drawLive,
  loadChartJs,
} from "./charts.js";
import { download } from "./format.js";
import { drawCard, drawGauges, drawHistory, drawLag } from "./panels.js";

const root = document.getElementById("dashboard");
const form = document.getElementById("fire-form");
const help = document.getElementById("help");
const RUNS_URL = root.dataset.runsUrl;
const RACES_URL = root.dataset.racesUrl;
const EVENTS_URL = root.dataset.eventsUrl;
const LIVE_WINDOW_S = 30; // the live chart shows the last half minute
const KEEP_FRAMES_S = 600; // kept so that a run picked from the history still has its frames
const HISTORY_ROWS = 50;
const LAG_WINDOW_S = 2; // the lag gauge shows the worst of the last seconds: a blip stays visible
const SILENT_MS = 400; // frames are due every 100 ms: a longer silence means a stalled loop
const RECONNECT_MS = 2000;
const DIGITS_WITHIN_MS = 700;

const scenarios = [...form.querySelectorAll('input[name="scenario"]')].map((input) => ({
  slug: input.value,
  label: input.dataset.label,
  kind: input.dataset.kind,
  input,
}));
const bySlug = new Map(scenarios.map((s) => [s.slug, s]));

const state = {
  frames: [], // in server time order
  runs: new Map(), // id -> run dict without timings
  runStartT: new Map(), // id -> the server time at which the run started, learnt from frames
  current: null, // the run in the card and the durations chart
  liveDurations: [], // [finished_at_s, duration_s, status] of the current run, from frames
  timings: null, // the current run's exact timings, once fetched
  replay: null, // a picked run's stretch of frames {from, to, t0}, or its timings {inFlight, slug, to}
  rival: null, // the other run of the current run's race: {id, live, timings}, like the current one's
  lastFrameAt: 0,
  connected: false,
  chartSource: null,
  cost: { redraws: 0, totalMs: 0, maxMs: 0, lastMs: 0 },
};
const dirty = { card: true, durations: true, history: true };
let charts = null;

/* Redraws: at most one per animation frame, and only of what changed. */

let redrawPending = false;
function scheduleRedraw() {
  if (!redrawPending) {
    redrawPending = true;
    requestAnimationFrame(redraw);
  }
}

function redraw() {
  redrawPending = false;
  const started = performance.now();
  const frame = state.frames.at(-1);
  if (frame) drawGauges(frame);
  showLag();
  if (charts) {
    showLive();
    if (dirty.durations) showDurations();
    dirty.durations = false;
  }
  const run = state.runs.get(state.current);
  if (run?.status === "running" && run.receivedAt) {
    // Time goes on while a blocked server sends nothing: count on from its last word.
    const elapsed_s = run.elapsed_s + (performance.now() - run.receivedAt) / 1000;
    drawCard({ ...run, elapsed_s }, bySlug.get(run.scenario), state.runs.get(run.rival));
  } else if (dirty.card && run) {
    drawCard(run, bySlug.get(run.scenario), state.runs.get(run.rival));
  }
  if (dirty.history) drawHistory(state.runs.values(), state.current, HISTORY_ROWS);
  dirty.card = dirty.history = false;
  const ms = performance.now() - started;
  const { cost } = state;
  cost.redraws += 1;
  cost.totalMs += ms;
  cost.lastMs = ms;
  cost.maxMs = Math.max(cost.maxMs, ms);
}

function firstFrameAt(t) {
  let lo = 0;
  let hi = state.frames.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (state.frames[mid].t < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function showLive() {
  const { replay } = state;
  if (replay?.inFlight) {
    drawInFlight(charts, replay);
    return;
  }
  const latest = state.frames.at(-1)?.t ?? 0;
  const from = replay ? replay.from : latest - LIVE_WINDOW_S;
  const to = replay ? replay.to : latest;
  const frames = state.frames.slice(firstFrameAt(from), firstFrameAt(to + 0.001));
  const active = scenarios.filter((s) => frames.some((f) => f.in_flight[s.slug] || f.in_view[s.slug]));
  if (!active.length) active.push(scenarios.find((s) => s.input.checked) ?? scenarios[0]);
  const slugs = active.map((s) => s.slug);
  const ref = replay ? replay.t0 : latest;
  const markers = runMarkers();
  drawLive(charts, { frames, slugs, from, to, ref, replay: Boolean(replay), gapS: SILENT_MS / 1000, markers });
}

// Where the current run (and its rival, in a race) started and ended, on the server's clock.
function runMarkers() {
  const ids = [state.current, state.rival?.id].filter((id) => id != null);
  return ids.flatMap((id) => {
    const run = state.runs.get(id);
    const t0 = state.runStartT.get(id);
    if (!run || t0 == null) return [];
    const marks = [{ t: t0, label: `▶ #${id}`, slug: run.scenario }];
    const length = run.status === "running" ? null : (run.elapsed_s ?? run.wall_s);
    if (length != null) marks.push({ t: t0 + length, label: `■ #${id}`, slug: run.scenario });
    return marks;
  });
}

function nearestRank(sorted, q) {
  return sorted.length ? sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] : null;
}

function showDurations() {
  const run = state.runs.get(state.current);
  const points = runPoints({ timings: state.timings, live: state.liveDurations });
  let marks;
  if (state.timings && run && run.status !== "running") {
    marks = { p50: run.p50_s, p95: run.p95_s, p99: run.p99_s, max: run.max_s };
  } else {
    // While a run goes: the same nearest-rank percentiles, over the answers so far.
    const sorted = points.map((p) => p[1]).sort((a, b) => a - b);
    marks = {
      p50: nearestRank(sorted, 0.5),
      p95: nearestRank(sorted, 0.95),
      p99: nearestRank(sorted, 0.99),
      max: sorted.at(-1) ?? null,
    };
  }
  const rival = state.rival && state.runs.get(state.rival.id);
  drawDurations(charts, points, marks, {
    slug: run?.scenario,
    rival: rival && { slug: rival.scenario, points: runPoints(state.rival) },
  });
}

// [finished_at_s, duration_s, http_status] of a run: its exact timings once loaded, else from frames.
function runPoints({ timings, live }) {
  return timings ? timings.map(([start, end, status]) => [end, end - start, status]) : live;
}

function showLag() {
  const silentMs = performance.now() - state.lastFrameAt;
  if (state.connected && state.lastFrameAt && silentMs > SILENT_MS) {
    drawLag({ silentMs });
    return;
  }
  const latest = state.frames.at(-1)?.t ?? 0;
  let worstMs = 0;
  for (let i = state.frames.length - 1; i >= 0 && state.frames[i].t >= latest - LAG_WINDOW_S; i--) {
    worstMs = Math.max(worstMs, state.frames[i].loop_lag_ms);
  }
  drawLag({ worstMs, windowS: LAG_WINDOW_S });
}

/* What the stream says */

// Frames update a running run ten times a second: the run list is redrawn on run events only.
function remember(run, { fromFrame = false } = {}) {
  state.runs.set(run.id, { ...state.runs.get(run.id), ...run });
  if (!fromFrame) dirty.history = true;
  if (run.id === state.current || run.id === state.rival?.id) dirty.card = true;
}

function follow(id) {
  state.current = id;
  state.timings = null;
  state.replay = null;
  const rivalId = state.runs.get(id)?.rival;
  state.rival = rivalId == null ? null : { id: rivalId, live: [], timings: null };
  const rival = state.runs.get(rivalId);
  if (rival && rival.status !== "running") loadTimings(rivalId);
  showLiveHelp();
  collectLiveDurations();
  dirty.card = dirty.durations = dirty.history = true;
}

function collectLiveDurations() {
  state.liveDurations = [];
  if (state.rival) state.rival.live = [];
  for (const frame of state.frames) collectFrameDurations(frame);
}

function collectFrameDurations(frame) {
  framePoints(frame, state.current, state.liveDurations);
  if (state.rival) framePoints(frame, state.rival.id, state.rival.live);
}

// A frame's answers of one run: [end_s, duration_s, http_status], on the run's own clock.
function framePoints(frame, id, into) {
  into.push(...(frame.durations[String(id)] ?? []));
}

function learnStarts(frame) {
  for (const progress of frame.runs) {
    if (!state.runStartT.has(progress.id)) state.runStartT.set(progress.id, frame.t - progress.elapsed_s);
  }
}

function onFrame(frame) {
  // A server restarted since the history was sent starts its clock again at 0.
  if (frame.t < (state.frames.at(-1)?.t ?? 0)) {
    state.frames = [];
    state.runStartT.clear();
  }
  state.frames.push(frame);
  state.lastFrameAt = performance.now();
  if (state.frames[0].t < frame.t - KEEP_FRAMES_S - 10) {
    state.frames.splice(0, firstFrameAt(frame.t - KEEP_FRAMES_S));
  }
  learnStarts(frame);
  const receivedAt = performance.now();
  for (const { id, done, errors, elapsed_s } of frame.runs) {
    const run = state.runs.get(id);
    if (run?.status === "running") {
      remember({ ...run, done, errors, elapsed_s, receivedAt }, { fromFrame: true });
    }
  }
  if (!state.timings && frame.durations[String(state.current)]) {
    framePoints(frame, state.current, state.liveDurations);
    dirty.durations = true;
  }
  if (state.rival && !state.rival.timings && frame.durations[String(state.rival.id)]) {
    framePoints(frame, state.rival.id, state.rival.live);
    dirty.durations = true;
  }
  scheduleRedraw();
}

function onRun(run) {
  const known = state.runs.get(run.id);
  remember(run);
  // A race announces both its runs: the card follows the first, the rival rides along.
  if (!known && run.status === "running" && run.id !== state.rival?.id) follow(run.id);
  if (run.id === state.current && run.status !== "running" && known?.status === "running") {
    announce(`Run ${run.id} ${run.status}`);
    loadTimings(run.id);
  }
  if (run.id === state.rival?.id && run.status !== "running" && known?.status === "running") {
    loadTimings(run.id);
  }
  scheduleRedraw();
}

function onHistory({ frames, runs }) {
  const last = state.frames.at(-1);
  // The server's clock starts again with the server: older frames are not comparable.
  if (last && frames.length && frames.at(-1).t < last.t) {
    state.frames = [];
    state.runStartT.clear();
  }
  const older = frames.length ? state.frames.filter((f) => f.t < frames[0].t) : state.frames;
  state.frames = [...older, ...frames];
  state.frames.forEach(learnStarts);
  state.lastFrameAt = performance.now();
  for (const run of runs) remember(run);
  const newest = runs.reduce((a, b) => (b.id > (a?.id ?? -1) ? b : a), null);
  if (newest && (state.current == null || newest.id > state.current)) follow(newest.id);
  else collectLiveDurations();
  dirty.durations = true;
  loadRunList();
  scheduleRedraw();
}

function setStreamStatus(name, text) {
  const element = document.getElementById("stream-status");
  element.dataset.state = name;
  element.textContent = text;
  root.dataset.stream = name; // the gauges dim: what they show is no longer news
}

function connect() {
  const source = new EventSource(EVENTS_URL);
  source.addEventListener("open", () => {
    state.connected = true;
    setStreamStatus("live", "live");
  });
  source.addEventListener("error", () => {
    state.connected = false;
    if (source.readyState === EventSource.CLOSED) {
      setStreamStatus("closed", "stream closed, retrying…");
      setTimeout(connect, RECONNECT_MS);
    } else {
      setStreamStatus("connecting", "reconnecting…");
    }
  });
  source.addEventListener("history", (e) => onHistory(JSON.parse(e.data)));
  source.addEventListener("frame", (e) => onFrame(JSON.parse(e.data)));
  source.addEventListener("run", (e) => onRun(JSON.parse(e.data)));
}

/* The runs API: always JSON. */

async function getJson(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return response.json();
}

function reportFailure(error) {
  showError("body", `Could not load the runs: ${error.message}`);
}

async function loadRunList() {
  try {
    const { runs } = await getJson(RUNS_URL);
    for (const run of runs) remember(run);
    if (state.current == null && runs.length) {
      follow(runs[0].id);
      if (runs[0].status !== "running") await loadTimings(runs[0].id);
    }
    scheduleRedraw();
  } catch (error) {
    reportFailure(error);
  }
}

async function loadTimings(id) {
  try {
    const { timings, ...run } = await getJson(`${RUNS_URL}${id}/`);
    remember(run);
    if (id === state.current) state.timings = timings;
    if (id === state.rival?.id) state.rival.timings = timings;
    dirty.durations = dirty.card = true;
    scheduleRedraw();
    return run;
  } catch (error) {
    reportFailure(error);
    return null;
  }
}

const liveHelp = document.getElementById("help-live");
const liveHelpText = liveHelp.textContent;
function showLiveHelp(text = liveHelpText) {
  liveHelp.textContent = text;
  document.getElementById("live-follow").hidden = !state.replay;
}

async function pickRun(id) {
  follow(id);
  const run = await loadTimings(id);
  const t0 = state.runStartT.get(id);
  if (!run || run.status === "running" || id !== state.current) return;
  if (t0 != null && run.wall_s != null && state.frames[0]?.t <= t0) {
    state.replay = { from: t0 - 2, to: t0 + run.wall_s + 2, t0 };
    showLiveHelp(`run #${id}, replayed from the frames kept`);
  } else if (state.timings?.length) {
    state.replay = { inFlight: inFlightSteps(state.timings), slug: run.scenario, to: run.wall_s };
    showLiveHelp(`run #${id}: in flight from its timings (its frames are no longer kept)`);
  }
  scheduleRedraw();
}

// The load generator's own count: +1 when a request was sent, -1 when its answer came.
function inFlightSteps(timings) {
  const changes = timings.flatMap(([start, end]) => [
    [start, 1],
    [end, -1],
  ]);
  changes.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let count = 0;
  return [{ x: 0, y: 0 }, ...changes.map(([x, delta]) => ({ x, y: (count += delta) }))];
}

function backToLive() {
  state.replay = null;
  showLiveHelp();
  scheduleRedraw();
}

function resetCharts() {
  state.frames = [];
  state.liveDurations = [];
  state.timings = null;
  dirty.durations = true;
  backToLive();
}

/* Exports: the run as the API gives it, or its requests as CSV. */

async function exportRun(format) {
  const run = await getJson(`${RUNS_URL}${state.current}/`).catch(reportFailure);
  if (!run) return;
  let blob;
  if (format === "json") {
    blob = new Blob([JSON.stringify(run, null, 2)], { type: "application/json" });
  } else {
    const lines = ["request,start_s,end_s,duration_s,http_status"];
    run.timings.forEach(([start, end, status], i) => {
      lines.push([i + 1, start, end, (end - start).toFixed(6), status].join(","));
    });
    blob = new Blob([`${lines.join("\n")}\n`], { type: "text/csv" });
  }
  const url = URL.createObjectURL(blob);
  download(url, `asyncviews-run-${run.id}-${run.scenario}.${format}`);
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/* The form: presets, the chosen scenario's explanation, errors next to their field. */

const nField = document.getElementById("field-n");
function showPreset() {
  for (const button of form.querySelectorAll(".preset")) {
    button.setAttribute("aria-pressed", String(button.dataset.n === nField.value));
  }
}

const versusField = document.getElementById("field-versus");

// The code of the chosen scenario's view, and of its rival's when racing.
function showSources() {
  const shown = new Set([scenarios.find((s) => s.input.checked)?.slug, versusField.value]);
  for (const figure of document.querySelectorAll("[data-source-for]")) {
    figure.hidden = !shown.has(figure.dataset.sourceFor);
  }
}

const tabHelp = {
  "tab-source": "the code being hammered, read from the view itself",
  "tab-runs": "newest first; pick one to redraw its charts",
};
function showTab(id) {
  for (const tab of document.querySelectorAll('[role="tab"]')) {
    const selected = tab.id === id;
    tab.setAttribute("aria-selected", String(selected));
    tab.tabIndex = selected ? 0 : -1;
    document.getElementById(tab.getAttribute("aria-controls")).hidden = !selected;
  }
  document.getElementById("help-tab").textContent = tabHelp[id];
}

function showScenario() {
  showSources();
  const scenario = scenarios.find((s) => s.input.checked);
  document.getElementById("scenario-explanation").replaceChildren(
    Object.assign(document.createElement("strong"), { textContent: scenario.label }),
    ` ${document.getElementById(`explain-${scenario.slug}`).textContent}`,
  );
  scheduleRedraw();
}

// Field names are unique on the page, so a message finds its field whichever form sent it.
function clearErrors() {
  for (const element of document.querySelectorAll("[data-error-for]")) element.textContent = "";
  for (const element of document.querySelectorAll("[aria-invalid]")) element.removeAttribute("aria-invalid");
}

function showError(field, message) {
  const slot =
    document.querySelector(`[data-error-for="${field}"]`) ??
    document.querySelector('[data-error-for="body"]');
  slot.textContent = message;
  const input = document.querySelector(`form [name="${field}"]:not([type="radio"])`);
  if (input) {
    input.setAttribute("aria-invalid", "true");
    input.focus();
  }
}

function announce(text) {
  document.getElementById("announce").textContent = text;
}

form.addEventListener("click", (event) => {
  const preset = event.target.closest(".preset");
  if (!preset) return;
  nField.value = preset.dataset.n;
  showPreset();
});
nField.addEventListener("input", showPreset);
form.addEventListener("change", (event) => {
  if (event.target.name === "scenario") showScenario();
  if (event.target.name === "versus") showSources();
});
// A race goes to its own endpoint; the rest of the form is the same.
document.body.addEventListener("htmx:configRequest", (event) => {
  if (event.detail.elt === form && versusField.value) event.detail.path = RACES_URL;
});
for (const tab of document.querySelectorAll('[role="tab"]')) {
  tab.addEventListener("click", () => showTab(tab.id));
}
document.body.addEventListener("htmx:beforeRequest", clearErrors);
// htmx is told (base.html) not to treat 4xx and 5xx as its own errors: they are shown here.
document.body.addEventListener("htmx:afterRequest", (event) => {
  const { xhr, elt } = event.detail;
  if (xhr.status < 400) {
    // The token is accepted: the cookie it set lets this page fire runs from now on.
    if (elt.id === "presenter-form") window.location.reload();
    return;
  }
  let body = null;
  try {
    body = JSON.parse(xhr.responseText);
  } catch {
    // Not the API's JSON: a proxy or a crash answered.
  }
  if (body?.error) showError(body.field, body.error);
  else showError("body", `The server answered ${xhr.status} ${xhr.statusText}.`);
});
document.body.addEventListener("htmx:sendError", () => showError("body", "The server could not be reached."));
document.body.addEventListener("htmx:afterSwap", (event) => {
  if (event.detail.target.id !== "run-card") return;
  const id = Number(document.getElementById("run-card").dataset.runId);
  if (id && id !== state.current) follow(id);
  dirty.card = state.runs.has(id);
  announce(`Run ${id} started`);
  scheduleRedraw();
});
document.body.addEventListener("click", (event) => {
  const target = event.target.closest("[data-export], [data-png], [data-pick]");
  if (!target) return;
  if (target.dataset.export && state.current != null) exportRun(target.dataset.export);
  if (target.dataset.png && charts) {
    const run = state.current == null ? "" : `-run-${state.current}`;
    downloadPng(charts[target.dataset.png], `asyncviews-${target.dataset.png}${run}.png`);
  }
  if (target.dataset.pick) pickRun(Number(target.dataset.pick));
});

/* Presenter keys */

// Digits typed in quick succession make one number: "1" then "2" picks scenario 12.
let typed = "";
let typedAt = 0;
function pickScenarioByKey(digit) {
  const now = performance.now();
  typed = now - typedAt < DIGITS_WITHIN_MS ? typed + digit : digit;
  typedAt = now;
  if (!scenarios[Number(typed) - 1]) typed = digit;
  const scenario = scenarios[Number(typed) - 1];
  if (!scenario) return;
  scenario.input.checked = true;
  scenario.input.focus();
  showScenario();
}

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing || help.open) return;
  const { target } = event;
  // A read-only viewer (form hidden) has nothing to fire; the token form submits itself.
  const firing = !form.hidden && !target.closest("button, a, summary, #presenter-form");
  if (event.key === "Enter") {
    if (!firing) return;
    event.preventDefault();
    form.requestSubmit();
    return;
  }
  if (target.closest('input:not([type="radio"]), textarea, select, [contenteditable]')) return;
  const key = event.key.toLowerCase();
  if (/^[0-9]$/.test(key) && !form.hidden) pickScenarioByKey(key);
  else if (key === "r") resetCharts();
  else if (key === "v") showTab("tab-source");
  else if (key === "h") showTab("tab-runs");
  else if (key === "t") window.toggleTheme();
  else if (key === "?") help.showModal();
  else return;
  event.preventDefault();
});
document.getElementById("help-open").addEventListener("click", () => help.showModal());
document.getElementById("reset-charts").addEventListener("click", resetCharts);
document.getElementById("live-follow").addEventListener("click", backToLive);
document.addEventListener("themechange", () => {
  if (!charts) return;
  charts.live.destroy();
  charts.durations.destroy();
  charts = createCharts(scenarios);
  dirty.durations = true;
  scheduleRedraw();
});
// A blocked server loop sends no frames at all: the silence itself shows on the lag gauge.
setInterval(() => {
  if (state.connected && performance.now() - state.lastFrameAt > SILENT_MS) scheduleRedraw();
}, 200);

window.dashboard = {
  state,
  get charts() {
    return charts;
  },
};

showPreset();
connect();
loadChartJs(root.dataset).then((source) => {
  state.chartSource = source;
  charts = createCharts(scenarios);
  dirty.durations = true;
  scheduleRedraw();
});
