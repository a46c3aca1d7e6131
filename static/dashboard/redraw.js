/* Redraws: at most one per animation frame, and only of what changed. Frames arrive about ten
 * times a second; each only updates the state and asks for a redraw, so the page stays cheaper
 * than what it measures. Owns the charts, which a change of theme replaces.
 */
import { drawDurations, drawInFlight, drawLive } from "./charts.js";
import { drawCard, drawGauges, drawHistory, drawLag } from "./panels.js";
import { bySlug, dirty, firstFrameAt, scenarios, state } from "./state.js";

const LIVE_WINDOW_S = 30; // the live chart shows the last half minute
const HISTORY_ROWS = 50;
const LAG_WINDOW_S = 2; // the lag gauge shows the worst of the last seconds: a blip stays visible
const SILENT_MS = 400; // frames are due every 100 ms: a longer silence means a stalled loop

// Exported live: null until Chart.js has loaded, then replaced on each change of theme.
export let charts = null;

export function setCharts(next) {
  charts = next;
  dirty.durations = true;
  scheduleRedraw();
}

let redrawPending = false;
export function scheduleRedraw() {
  if (!redrawPending) {
    redrawPending = true;
    requestAnimationFrame(redraw);
  }
}

// A blocked server loop sends no frames at all: the silence itself shows on the lag gauge.
export function watchForSilence() {
  setInterval(() => {
    if (state.connected && performance.now() - state.lastFrameAt > SILENT_MS) scheduleRedraw();
  }, 200);
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
