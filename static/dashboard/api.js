/* The runs API (always JSON), and which run the card and the charts follow: the newest, or one
 * picked from the history and replayed from the frames kept or from its timings.
 */
import { showError } from "./form.js";
import { scheduleRedraw } from "./redraw.js";
import { runKey } from "./format.js";
import { collectLiveTimings, dirty, remember, state } from "./state.js";

const RUNS_URL = document.getElementById("dashboard").dataset.runsUrl;

export async function getJson(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return response.json();
}

export function runUrl(id) {
  return `${RUNS_URL}${id}/`;
}

export function reportFailure(error) {
  showError("body", `Could not load the runs: ${error.message}`);
}

export async function loadRunList() {
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

export async function loadTimings(id) {
  try {
    const { timings, ...run } = await getJson(runUrl(id));
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

export function follow(id) {
  state.current = id;
  state.timings = null;
  state.replay = null;
  const rivalId = state.runs.get(id)?.rival;
  state.rival = rivalId == null ? null : { id: rivalId, live: [], timings: null };
  const rival = state.runs.get(rivalId);
  if (rival && rival.status !== "running") loadTimings(rivalId);
  showLiveHelp();
  collectLiveTimings();
  dirty.card = dirty.durations = dirty.history = true;
}

const liveHelp = document.getElementById("help-live");
const liveHelpText = liveHelp.textContent;
function showLiveHelp(text = liveHelpText) {
  liveHelp.textContent = text;
  document.getElementById("live-follow").hidden = !state.replay;
  liveHelp.closest(".chart-panel").toggleAttribute("data-replay", Boolean(state.replay));
}

export async function pickRun(id) {
  follow(id);
  const run = await loadTimings(id);
  const t0 = state.runStartT.get(id);
  if (!run || run.status === "running" || id !== state.current) return;
  if (t0 != null && run.wall_s != null && state.frames[0]?.t <= t0) {
    // A race's stretch lasts until the slower of its two runs ends.
    const rival = state.runs.get(run.rival);
    const rivalEnd = (state.runStartT.get(run.rival) ?? t0) + (rival?.wall_s ?? 0);
    state.replay = { from: t0 - 2, to: Math.max(t0 + run.wall_s, rivalEnd) + 2, t0 };
    showLiveHelp(`run #${id}, replayed`);
  } else if (state.timings?.length) {
    state.replay = { inFlight: inFlightSteps(state.timings), key: runKey(run), to: run.wall_s };
    showLiveHelp(`run #${id}: in flight only, from its timings (its frames are gone)`);
  }
  scheduleRedraw();
}

// The load generator's own count: +1 when a request was sent, -1 when its answer came.
function inFlightSteps(timings) {
  const changes = timings.flatMap(([, sent, answered]) => [
    [sent, 1],
    [answered, -1],
  ]);
  changes.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let count = 0;
  return [{ x: 0, y: 0 }, ...changes.map(([x, delta]) => ({ x, y: (count += delta) }))];
}

export function backToLive() {
  state.replay = null;
  showLiveHelp();
  scheduleRedraw();
}

export function resetCharts() {
  state.frames = [];
  state.liveTimings = [];
  state.timings = null;
  dirty.durations = true;
  backToLive();
}
