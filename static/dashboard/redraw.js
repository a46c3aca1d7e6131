/* Redraws: at most one per animation frame, and only of what changed. Frames arrive about ten
 * times a second; each only updates the state and asks for a redraw, so the page stays cheaper
 * than what it measures. Owns the charts, which a change of theme replaces.
 */
import { drawDurations } from "./durations.js";
import { runKey, splitKey } from "./format.js";
import { drawGauges } from "./gauges.js";
import { drawInFlight, drawLive } from "./live.js";
import { drawCard, drawHistory } from "./panels.js";
import {
  bySlug,
  dirty,
  firstFrameAt,
  pickedScenario,
  pickedServer,
  runKeys,
  servers,
  shownServer,
  state,
} from "./state.js";

const LIVE_WINDOW_S = 30; // the live chart shows the last half minute
const HISTORY_ROWS = 50;
const GAP_S = 0.4; // frames are due every 100 ms: a longer gap is drawn as missing frames

// Exported live: null until Chart.js has loaded, then replaced on each change of theme.
export let charts = null;

export function setCharts(next) {
  charts = next;
  dirty.durations = true;
  scheduleRedraw();
}

let redrawPending = false;
let drawnTones = "";
export function scheduleRedraw() {
  if (!redrawPending) {
    redrawPending = true;
    requestAnimationFrame(redraw);
  }
}

function redraw() {
  redrawPending = false;
  const started = performance.now();
  if (state.frames.length) drawGauges(state.frames, shownServer());
  if (charts) {
    const shades = showLive();
    // The runs' points keep the tones of their lines, which change as series come and go.
    const tones = runKeys().map((key) => shades.get(key)).join();
    if (dirty.durations || tones !== drawnTones) showDurations(shades);
    dirty.durations = false;
    drawnTones = tones;
  }
  const run = state.runs.get(state.current);
  if (run?.status === "running" && run.receivedAt) {
    // Time goes on between frames: count on from the run's last word.
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

// A scenario on a second server is drawn in a paler tone of its colour: per scenario, its
// servers in the registry's order get tones 0, 1, ...
const serverRank = new Map(servers.map((s, i) => [s.slug, i]));
function shadesOf(keys) {
  const all = [...new Set([...keys, ...runKeys()])].map((key) => ({ key, ...splitKey(key) }));
  all.sort((a, b) => (serverRank.get(a.server) ?? 99) - (serverRank.get(b.server) ?? 99));
  const seen = new Map();
  const shades = new Map();
  for (const { key, scenario } of all) {
    shades.set(key, seen.get(scenario) ?? 0);
    seen.set(scenario, (seen.get(scenario) ?? 0) + 1);
  }
  return shades;
}

/** Draw the live chart; answers the tones of the series it shows, for the other chart. */
function showLive() {
  const { replay } = state;
  if (replay?.inFlight) {
    drawInFlight(charts, replay);
    return shadesOf([replay.key]);
  }
  const latest = state.frames.at(-1)?.t ?? 0;
  const from = replay ? replay.from : latest - LIVE_WINDOW_S;
  const to = replay ? replay.to : latest;
  const frames = state.frames.slice(firstFrameAt(from), firstFrameAt(to + 0.001));
  const active = new Set();
  for (const frame of frames) {
    for (const [key, n] of Object.entries(frame.in_flight)) if (n) active.add(key);
    for (const [key, n] of Object.entries(frame.in_view)) if (n) active.add(key);
  }
  // With nothing going on, the chosen scenario's (empty) lines on the chosen server.
  if (!active.size) active.add(`${pickedScenario().slug}@${pickedServer()}`);
  const keys = [...active].sort();
  const ref = replay ? replay.t0 : latest;
  const shades = shadesOf(keys);
  const markers = runMarkers();
  drawLive(charts, { frames, keys, shades, from, to, ref, replay: Boolean(replay), gapS: GAP_S, markers });
  return shades;
}

// Where the current run (and its rival, in a race) started and ended, on the server's clock.
function runMarkers() {
  const ids = [state.current, state.rival?.id].filter((id) => id != null);
  return ids.flatMap((id, level) => {
    const run = state.runs.get(id);
    const t0 = state.runStartT.get(id);
    if (!run || t0 == null) return [];
    const key = runKey(run);
    const marks = [{ t: t0, label: `▶ #${id}`, key, level }];
    const length = run.status === "running" ? null : (run.elapsed_s ?? run.wall_s);
    if (length != null) marks.push({ t: t0 + length, label: `■ #${id}`, key, level });
    return marks;
  });
}

function nearestRank(sorted, q) {
  return sorted.length ? sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] : null;
}

function showDurations(shades) {
  const run = state.runs.get(state.current);
  const timings = state.timings ?? state.liveTimings;
  let marks;
  if (state.timings && run && run.status !== "running") {
    marks = { p50: run.p50_s, p95: run.p95_s, p99: run.p99_s, max: run.max_s };
  } else {
    // While a run goes: the same nearest-rank percentiles, over the answers so far.
    const sorted = timings.map((t) => t[2] - t[1]).sort((a, b) => a - b);
    marks = {
      p50: nearestRank(sorted, 0.5),
      p95: nearestRank(sorted, 0.95),
      p99: nearestRank(sorted, 0.99),
      max: sorted.at(-1) ?? null,
    };
  }
  const series = (r, t) => ({ key: r && runKey(r), shade: r ? shades.get(runKey(r)) : 0, timings: t });
  const rival = state.rival && state.runs.get(state.rival.id);
  drawDurations(
    charts,
    series(run, timings),
    marks,
    rival ? series(rival, state.rival.timings ?? state.rival.live) : null,
  );
}
