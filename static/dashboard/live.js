/* The live chart: requests in flight (dashed) and in view (solid), the gap between them shaded.
 * It serves the run being shown: that run (and its rival, in a race) from the instant it fired
 * to its end, on its own scale, one legend entry per run. Between runs it shows the last 30 s
 * summed per server, so that its legend stays short whatever ran before. A run that has ended
 * is drawn from its requests' own times (exact.js) rather than from the frames' samples; so is a
 * picked run whose frames are gone.
 */
import { keyColor, serverColor } from "./charts.js";
import { exactOf } from "./exact.js";
import { raceName, runKey, splitKey } from "./format.js";
import { draw, MIN_SPAN_S, serverRank, shadesOf } from "./live-draw.js";
import { firstFrameAt, pickedServer, runKeys, state, timingsOf } from "./state.js";

const ROLLING_S = 30;
const SAME_INSTANT_S = 0.05; // a race's runs fire together: one start marker for both

/** The current run and its rival, with where each starts and ends on the server's clock. */
function shownRuns() {
  const latest = state.frames.at(-1)?.t ?? 0;
  return [state.current, state.rival?.id].flatMap((id) => {
    const run = state.runs.get(id);
    const t0 = state.runStartT.get(id);
    if (!run || t0 == null) return [];
    const running = run.status === "running";
    const end = running ? null : t0 + (run.wall_s ?? run.elapsed_s ?? 0);
    return [{ run, t0, end, latest }];
  });
}

/** Whether the run view has something to show: frames kept from while the current run went (all
 * of them, or since a reload, when it lasts longer than the replay the stream sends). */
export function runViewable() {
  if (state.cleared || state.frameless) return false;
  const [shown] = shownRuns();
  if (!shown || !state.frames.length) return false;
  return state.frames[0].t <= (shown.end ?? shown.latest) && state.frames.at(-1).t >= shown.t0;
}

export const showingRun = () => state.view === "run" && runViewable();

// Where the runs fired and ended: one start marker for runs fired together.
function markersOf(charts, shown, shades) {
  const marks = [];
  for (const { run, t0, end } of shown) {
    const color = keyColor(charts, runKey(run), shades.get(runKey(run)));
    const start = marks.find((m) => m.start && Math.abs(m.t - t0) < SAME_INSTANT_S);
    if (start) {
      start.label += ` #${run.id}`;
      start.color = charts.palette.fg;
    } else {
      marks.push({ t: t0, start: true, label: `▶ #${run.id}`, color });
    }
    if (end != null) marks.push({ t: end, label: `■ #${run.id}`, color });
  }
  return marks;
}

function drawRun(charts) {
  const shown = shownRuns();
  const latest = state.frames.at(-1).t;
  const start = Math.min(...shown.map((s) => s.t0));
  const running = shown.some((s) => s.end == null);
  const end = running ? Math.max(latest, start + MIN_SPAN_S) : Math.max(...shown.map((s) => s.end));
  // A little of before and after, so that the rise and the fall both show.
  const pad = 0.04 * (end - start);
  const from = start - Math.max(0.2, pad);
  const to = running ? end : end + Math.max(0.5, pad);
  const frames = state.frames.slice(firstFrameAt(from), firstFrameAt(to + 0.001));
  const keys = shown.map((s) => runKey(s.run));
  const shades = shadesOf(keys);
  const series = shown.map(({ run, t0 }, i) => {
    const key = runKey(run);
    const other = keys[1 - i];
    const exact = exactOf(run, timingsOf(run.id)[0]);
    return {
      id: `run:${key}`,
      label: `#${run.id} ${raceName(key, other)}`,
      color: keyColor(charts, key, shades.get(key)),
      inFlight: (f) => f.in_flight[key] ?? 0,
      inView: (f) => f.in_view[key] ?? 0,
      // Without every span, the views are only known from the frames.
      exact: exact?.inView ? exact : null,
      offset: t0 - start,
    };
  });
  const ids = shown.map((s) => `#${s.run.id}`).join(" and ");
  const title = `seconds after ${shown.length > 1 ? "runs" : "run"} ${ids} fired · ${howDrawn(shown, series)}`;
  const markers = markersOf(charts, shown, shades);
  draw(charts, { frames, series, from, to, ref: start, title, relative: true, markers });
  return shades;
}

const EXACT = "each request's own times";
const SAMPLED = "sampled every 0.1 s";

// What the runs' lines are drawn from; in a race, each run's when they differ.
function howDrawn(shown, series) {
  if (series.every((one) => one.exact)) return EXACT;
  if (!series.some((one) => one.exact)) return SAMPLED;
  return shown.map(({ run }, i) => `#${run.id} ${series[i].exact ? EXACT : SAMPLED}`).join(", ");
}

function drawRolling(charts) {
  const latest = state.frames.at(-1)?.t ?? 0;
  const from = latest - ROLLING_S;
  const frames = state.frames.slice(firstFrameAt(from));
  const busy = new Set();
  for (const frame of frames) {
    for (const counts of [frame.in_flight, frame.in_view]) {
      for (const [key, n] of Object.entries(counts)) if (n) busy.add(splitKey(key).server);
    }
  }
  // With nothing going on, the (empty) lines of the server picked in the form.
  if (!busy.size) busy.add(pickedServer());
  const sumOn = (slug, counts) =>
    Object.entries(counts).reduce((total, [key, n]) => total + (splitKey(key).server === slug ? n : 0), 0);
  const series = [...busy]
    .sort((a, b) => (serverRank.get(a) ?? 99) - (serverRank.get(b) ?? 99))
    .map((slug) => ({
      id: `server:${slug}`,
      label: `all on ${slug}`,
      color: serverColor(charts, slug),
      inFlight: (f) => sumOn(slug, f.in_flight),
      inView: (f) => sumOn(slug, f.in_view),
    }));
  const keys = runKeys();
  const shades = shadesOf(keys);
  const markers = state.cleared ? [] : markersOf(charts, shownRuns(), shades);
  const title = `the last ${ROLLING_S} s, every view per server`;
  draw(charts, { frames, series, from, to: latest, ref: latest, title, relative: false, markers });
  return shades;
}

/** A picked run whose frames are gone: what its times tell, requests in flight and, when every
 * span is there, in view. */
function drawFrameless(charts, { key, to }) {
  const shades = shadesOf([key]);
  const exact = exactOf(state.runs.get(state.current), state.timings);
  const color = keyColor(charts, key, shades.get(key));
  const series = [{ id: `run:${key}`, label: `#${state.current} ${raceName(key)}`, color, exact, offset: 0 }];
  const end = to ?? exact.points.at(-1).x;
  const title = `seconds after run #${state.current} fired · ${EXACT}`;
  draw(charts, { frames: [], series, from: 0, to: end, ref: 0, title, relative: true, markers: [] });
  return shades;
}

/** Draw the live chart as the state says; answers the tones of the runs' series. */
export function showLive(charts) {
  if (state.frameless && !state.cleared) return drawFrameless(charts, state.frameless);
  return showingRun() ? drawRun(charts) : drawRolling(charts);
}

// The chart's button says what it will do: show the run, or the last 30 s.
const viewButton = document.getElementById("live-view");
export function showViewButton() {
  const toRun = !showingRun() && runViewable();
  const toRolling = showingRun() || Boolean(state.frameless);
  viewButton.hidden = !(toRun || toRolling);
  const text = toRolling ? `Last ${ROLLING_S} s` : `Run #${state.current}`;
  if (viewButton.textContent !== text) {
    viewButton.textContent = text;
    const label = toRolling ? `the last ${ROLLING_S} s of every server` : `run ${state.current} from fire to end`;
    viewButton.setAttribute("aria-label", `Show ${label}`);
  }
}

export function toggleView() {
  if (state.frameless) {
    state.frameless = null;
    state.view = "rolling";
  } else {
    state.view = showingRun() ? "rolling" : "run";
  }
}
