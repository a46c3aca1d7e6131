/* What a redraw draws: only what changed, once per animation frame (schedule.js). Frames arrive
 * about ten times a second; each only updates the state and asks for a redraw, so the page stays
 * cheaper than what it measures. Owns the charts, which a change of theme replaces.
 */
import { drawDurations } from "./durations.js";
import { showSources } from "./form.js";
import { nearestRank, runKey } from "./format.js";
import { drawGauges } from "./gauges.js";
import { showLive, showViewButton } from "./live.js";
import { drawCard, drawHistory } from "./panels.js";
import { onRedraw, scheduleRedraw } from "./schedule.js";
import { drawTimeline } from "./timeline-live.js";
import { bySlug, dirty, runKeys, shownServer, state, timingsOf } from "./state.js";

const HISTORY_ROWS = 50;

// Exported live: null until Chart.js has loaded, then replaced on each change of theme.
export let charts = null;

export function setCharts(next) {
  charts = next;
  dirty.durations = true;
  scheduleRedraw();
}

let drawnTones = "";
onRedraw(redraw);

function redraw() {
  const started = performance.now();
  if (state.frames.length) drawGauges(state.frames, shownServer());
  if (charts) {
    const shades = showLive(charts);
    // The runs' points keep the tones of their lines, which change as series come and go.
    const tones = runKeys().map((key) => shades.get(key)).join();
    if (dirty.durations || tones !== drawnTones) showDurations(shades);
    dirty.durations = false;
    drawnTones = tones;
  }
  showViewButton();
  const run = state.runs.get(state.current);
  if (run?.status === "running") {
    // Time goes on between frames: count on from the run's last word.
    const since = run.receivedAt ? (performance.now() - run.receivedAt) / 1000 : 0;
    const shown = { ...run, elapsed_s: (run.elapsed_s ?? 0) + since, peaks: livePeaks(run) };
    drawCard(shown, bySlug.get(run.scenario), state.runs.get(run.rival));
  } else if (dirty.card && run) {
    drawCard(run, bySlug.get(run.scenario), state.runs.get(run.rival));
  }
  // The rival of a race may be announced after the card followed the first run.
  if (dirty.card) showSources();
  if (dirty.history) drawHistory(state.runs.values(), state.current, HISTORY_ROWS);
  drawTimeline(); // after the card: it fills the card's waiting and in-view figures
  dirty.card = dirty.history = false;
  const ms = performance.now() - started;
  const { cost } = state;
  cost.redraws += 1;
  cost.totalMs += ms;
  cost.lastMs = ms;
  cost.maxMs = Math.max(cost.maxMs, ms);
}

// The run's summaries come every half second, frames every tenth: while it goes, its peaks are
// also those folded from the frames (state.foldPeaks), so the card never says less than the
// gauges showed for the same server.
function livePeaks(run) {
  const seen = state.seenPeaks.get(run.id);
  if (!seen) return run.peaks;
  const peaks = { ...run.peaks };
  for (const [name, value] of Object.entries(seen)) {
    if (value != null) peaks[name] = Math.max(peaks[name] ?? 0, value);
  }
  return peaks;
}

// While a run goes: the same nearest-rank percentiles as the server's, over the answers so far.
function marksOf(run, timings, exact) {
  if (exact && run && run.status !== "running") {
    return { p50: run.p50_s, p95: run.p95_s, p99: run.p99_s, max: run.max_s };
  }
  const sorted = timings.map((t) => t[2] - t[1]).sort((a, b) => a - b);
  return {
    p50: nearestRank(sorted, 0.5),
    p95: nearestRank(sorted, 0.95),
    p99: nearestRank(sorted, 0.99),
    max: sorted.at(-1) ?? null,
  };
}

function showDurations(shades) {
  // R forgets the shown run's points until another run is shown.
  const cleared = state.cleared;
  const series = (r, id) => {
    const [saved, live] = timingsOf(id);
    const timings = cleared ? [] : (saved ?? live);
    return {
      id: r?.id,
      key: r && runKey(r),
      shade: r ? shades.get(runKey(r)) : 0,
      timings,
      marks: marksOf(r, timings, Boolean(saved) && !cleared),
    };
  };
  const runs = [series(state.runs.get(state.current), state.current)];
  const rival = state.rival && state.runs.get(state.rival.id);
  if (rival) runs.push(series(rival, rival.id));
  drawDurations(charts, runs);
}
