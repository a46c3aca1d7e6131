/* The runs API (always JSON), and which run the card and the charts follow: the newest, or one
 * picked from the history, drawn from the frames kept or else from its timings.
 */
import { showError, showRunSources } from "./form.js";
import { runKey } from "./format.js";
import { runViewable, toggleView } from "./live.js";
import { scheduleRedraw } from "./schedule.js";
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

/** Show a run in the card and on the charts: the live chart switches to it, the source pane
 * to its code (and its rival's). */
export function follow(id) {
  state.current = id;
  state.timings = null;
  state.frameless = null;
  state.view = "run";
  state.cleared = false;
  const rivalId = state.runs.get(id)?.rival;
  state.rival = rivalId == null ? null : { id: rivalId, live: [], timings: null };
  const rival = state.runs.get(rivalId);
  if (rival && rival.status !== "running") loadTimings(rivalId);
  collectLiveTimings();
  showRunSources();
  dirty.card = dirty.durations = dirty.history = true;
}

export async function pickRun(id) {
  follow(id);
  const run = await loadTimings(id);
  if (!run || run.status === "running" || id !== state.current) return;
  // Without its frames, the live chart draws it from its requests' own times.
  if (!runViewable() && state.timings?.length) state.frameless = { key: runKey(run), to: run.wall_s };
  scheduleRedraw();
}

/** The live chart's button: the run shown, or the last 30 s. */
export function switchView() {
  toggleView();
  scheduleRedraw();
}

/** R: empty charts. The card keeps its run; the charts show it again once another run is shown. */
export function resetCharts() {
  state.frames = [];
  state.liveTimings = [];
  state.timings = null;
  if (state.rival) Object.assign(state.rival, { live: [], timings: null });
  state.frameless = null;
  state.cleared = true;
  state.view = "rolling";
  dirty.durations = true;
  scheduleRedraw();
}
