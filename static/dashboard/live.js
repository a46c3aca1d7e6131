/* The live chart: requests in flight (dashed) and in view (solid), the gap between them shaded.
 * It serves the run being shown: that run (and its rival, in a race) from the instant it fired
 * to its end, on its own scale, one legend entry per run. Between runs it shows the last 30 s
 * summed per server, so that its legend stays short whatever ran before. A picked run whose
 * frames are gone shows its requests in flight from its timings.
 */
import { keyColor, serverColor } from "./charts.js";
import { raceName, runKey, splitKey } from "./format.js";
import { firstFrameAt, pickedServer, runKeys, servers, state } from "./state.js";

const ROLLING_S = 30;
const GAP_S = 0.4; // frames are due every 100 ms: a longer gap is drawn as missing frames
const MIN_SPAN_S = 1; // a run just fired still gets a second of axis
const SAME_INSTANT_S = 0.05; // a race's runs fire together: one start marker for both

// A scenario on a second server is drawn in a paler tone of its colour: per scenario, its
// servers in the registry's order get tones 0, 1, ...
const serverRank = new Map(servers.map((s, i) => [s.slug, i]));
export function shadesOf(keys) {
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

// Two datasets per series; the in-flight line fills down to the in-view line: the queue.
function pairFor(charts, { id, label, color }) {
  let pair = charts.pairs.get(id);
  if (!pair || pair[1].borderColor !== color || pair[1].$label !== label) {
    pair = [
      {
        label: `${label} in flight`,
        $series: id,
        borderColor: color,
        borderDash: [6, 4],
        backgroundColor: `${color}33`,
        fill: "+1",
      },
      {
        label: `${label} in view`,
        $series: id,
        $label: label,
        $legend: true,
        borderColor: color,
        backgroundColor: color,
        fill: false,
      },
    ];
    charts.pairs.set(id, pair);
  }
  return pair;
}

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
  if (state.cleared || state.inFlightOnly) return false;
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

function draw(charts, { frames, series, from, to, ref, title, markers, relative }) {
  charts.live.data.datasets = series.flatMap((one) => {
    const [inFlight, inView] = pairFor(charts, one);
    inFlight.data = frames.map((f) => ({ x: f.t - ref, y: one.inFlight(f) }));
    inView.data = frames.map((f) => ({ x: f.t - ref, y: one.inView(f) }));
    return [inFlight, inView];
  });
  charts.live.$frameGaps = [];
  for (let i = 1; i < frames.length; i++) {
    if (frames[i].t - frames[i - 1].t > GAP_S) {
      charts.live.$frameGaps.push({ from: frames[i - 1].t - ref, to: frames[i].t - ref });
    }
  }
  charts.live.$relative = relative;
  charts.live.$markers = markers.map((m) => ({ ...m, x: m.t - ref }));
  charts.live.options.scales.y.title.text = "requests (shaded: the queue)";
  const x = charts.live.options.scales.x;
  x.min = from - ref;
  x.max = Math.max(to, from + MIN_SPAN_S) - ref;
  x.title.text = title;
  charts.live.update("none");
}

function drawRun(charts) {
  const shown = shownRuns();
  const latest = state.frames.at(-1).t;
  const start = Math.min(...shown.map((s) => s.t0));
  const running = shown.some((s) => s.end == null);
  const end = running ? Math.max(latest, start + MIN_SPAN_S) : Math.max(...shown.map((s) => s.end));
  // A little of before and after, so that the rise and the fall both show: a frame holds the
  // most seen in its 100 ms, so the fall shows a frame or two after the last answer.
  const pad = 0.04 * (end - start);
  const from = start - Math.max(0.2, pad);
  const to = running ? end : end + Math.max(0.5, pad);
  const frames = state.frames.slice(firstFrameAt(from), firstFrameAt(to + 0.001));
  const keys = shown.map((s) => runKey(s.run));
  const shades = shadesOf(keys);
  const series = shown.map(({ run }, i) => {
    const key = runKey(run);
    const other = keys[1 - i];
    return {
      id: `run:${key}`,
      label: `#${run.id} ${raceName(key, other)}`,
      color: keyColor(charts, key, shades.get(key)),
      inFlight: (f) => f.in_flight[key] ?? 0,
      inView: (f) => f.in_view[key] ?? 0,
    };
  });
  const ids = shown.map((s) => `#${s.run.id}`).join(" and ");
  const title = `seconds after ${shown.length > 1 ? "runs" : "run"} ${ids} fired`;
  const markers = markersOf(charts, shown, shades);
  draw(charts, { frames, series, from, to, ref: start, title, relative: true, markers });
  return shades;
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

/** A picked run whose frames are gone: only what its timings tell, requests in flight. */
function drawInFlight(charts, { inFlight, key, to }) {
  const shades = shadesOf([key]);
  const color = keyColor(charts, key, shades.get(key));
  const [line] = pairFor(charts, { id: `run:${key}`, label: `#${state.current} ${raceName(key)}`, color });
  // The only line, so it carries the series' entry in the legend.
  charts.live.data.datasets = [{ ...line, $legend: true, data: inFlight, fill: false, stepped: "after" }];
  charts.live.$frameGaps = [];
  charts.live.$markers = [];
  charts.live.$relative = true;
  charts.live.options.scales.y.title.text = "requests in flight";
  const x = charts.live.options.scales.x;
  x.min = 0;
  x.max = Math.max(1, to ?? inFlight.at(-1).x);
  x.title.text = `seconds after run #${state.current} fired`;
  charts.live.update("none");
  return shades;
}

/** Draw the live chart as the state says; answers the tones of the runs' series. */
export function showLive(charts) {
  if (state.inFlightOnly && !state.cleared) return drawInFlight(charts, state.inFlightOnly);
  return showingRun() ? drawRun(charts) : drawRolling(charts);
}

// The chart's button says what it will do: show the run, or the last 30 s.
const viewButton = document.getElementById("live-view");
export function showViewButton() {
  const toRun = !showingRun() && runViewable();
  const toRolling = showingRun() || Boolean(state.inFlightOnly);
  viewButton.hidden = !(toRun || toRolling);
  const text = toRolling ? `Last ${ROLLING_S} s` : `Run #${state.current}`;
  if (viewButton.textContent !== text) {
    viewButton.textContent = text;
    const label = toRolling ? `the last ${ROLLING_S} s of every server` : `run ${state.current} from fire to end`;
    viewButton.setAttribute("aria-label", `Show ${label}`);
  }
}

export function toggleView() {
  if (state.inFlightOnly) {
    state.inFlightOnly = null;
    state.view = "rolling";
  } else {
    state.view = showingRun() ? "rolling" : "run";
  }
}
