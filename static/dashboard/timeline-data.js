/* The timeline's data: a run's timings (client side: the frames, the runs API) joined by index
 * with its spans (view side: the probe, through the runs API) into a row per request, laned by
 * thread, and the phases derived from them. Holds the spans timeline-live.js fetches while a run
 * goes, and the rows prepared, kept until their inputs change.
 */
import { nearestRank } from "./format.js";
import { state, timingsOf } from "./state.js";

// Spans (and timings) fetched while a run goes, by run id: {timings, spans, at, pending}.
export const polled = new Map();

// A timing's fields after its index (the load generator's), and a span's (the probe's).
const TIMING = ["sent", "answered", "status", "kind"];
const SPAN = ["entered", "left", "pid", "thread"];

/** A run's requests as rows: its timings joined with its spans by index. */
function joinRows(run, timings, spans) {
  // A row for every request, blank until something is known of it.
  const blank = Object.fromEntries([...TIMING, ...SPAN].map((name) => [name, null]));
  const rows = Array.from({ length: run.n }, (_, index) => ({ index, ...blank }));
  const fill = (entries, names) => {
    for (const [index, ...values] of entries) {
      if (rows[index]) names.forEach((name, i) => (rows[index][name] = values[i]));
    }
  };
  fill(timings, TIMING);
  fill(spans, SPAN);
  // The load generator starts its requests in index order, so until all are answered the
  // index is the send order; then the send times themselves say it.
  if (rows.every((r) => r.sent != null)) rows.sort((a, b) => a.sent - b.sent || a.index - b.index);
  return rows;
}

/** Lanes, one per thread that ran a view, each with its views packed into as few lines as
 * they need: a thread that runs one view at a time has one line, an event loop's has many. */
function threadLanes(rows) {
  const byThread = new Map();
  for (const r of rows) {
    if (r.entered == null) continue;
    const key = `${r.pid}/${r.thread}`;
    if (!byThread.has(key)) byThread.set(key, { pid: r.pid, thread: r.thread, views: [] });
    byThread.get(key).views.push(r);
  }
  const lanes = [...byThread.values()];
  for (const lane of lanes) {
    lane.views.sort((a, b) => a.entered - b.entered);
    lane.first = lane.views[0].entered;
    // Interval partitioning: a view goes on the line that came free first, if it is free by
    // then, else on a new line. The lines' ends in a min-heap: n log n for a loop's 1000 views.
    const heap = []; // [end, line]
    const below = (i, j) => heap[i][0] < heap[j][0];
    const swap = (i, j) => ([heap[i], heap[j]] = [heap[j], heap[i]]);
    const push = (item) => {
      heap.push(item);
      for (let i = heap.length - 1, up = (i - 1) >> 1; i > 0 && below(i, up); i = up, up = (i - 1) >> 1) {
        swap(i, up);
      }
    };
    const replaceTop = (item) => {
      heap[0] = item;
      for (let i = 0; ; ) {
        const [l, r] = [2 * i + 1, 2 * i + 2];
        let m = i;
        if (l < heap.length && below(l, m)) m = l;
        if (r < heap.length && below(r, m)) m = r;
        if (m === i) break;
        swap(i, m);
        i = m;
      }
    };
    let lines = 0;
    for (const view of lane.views) {
      if (heap.length && heap[0][0] <= view.entered + 1e-4) {
        view.line = heap[0][1];
        replaceTop([view.left, view.line]);
      } else {
        view.line = lines++;
        push([view.left, view.line]);
      }
    }
    lane.lines = lines;
  }
  lanes.sort((a, b) => a.pid - b.pid || a.first - b.first);
  return lanes;
}

export const failed = (r) => r.status === 0 || r.status >= 400;

/** The current run and, in a race, its rival: what the timeline shows. */
function shownRuns() {
  if (state.cleared) return []; // reset (R): the charts forget the run until another is shown
  const ids = [state.current, state.rival?.id].filter((id) => id != null && state.runs.has(id));
  return ids.map((id) => {
    const run = state.runs.get(id);
    const [exact, live] = timingsOf(id);
    let timings = exact ?? live;
    const fresh = polled.get(id);
    const finalSpans = run.status !== "running" ? run.spans : null;
    const spans = finalSpans ?? fresh?.spans ?? run.spans ?? [];
    // The frames kept may have missed some answers (a reload, a reset): the API has them all.
    if (!exact && fresh && fresh.timings.length > timings.length) timings = fresh.timings;
    if (finalSpans && fresh) polled.delete(id);
    // Final: the run has ended and its saved timings and spans are in.
    const final = Boolean(finalSpans) && Boolean(exact);
    return { run, timings, spans, final };
  });
}

// Nearest rank, as the server's phases (dashboard/runs/phases.py) and the durations chart.
function spread(values) {
  if (!values.length) return null;
  values.sort((a, b) => a - b);
  return { p50: nearestRank(values, 0.5), p95: nearestRank(values, 0.95), max: values.at(-1) };
}

/** The run's phases as the server derives them, from the rows known so far. */
function phasesOf(rows) {
  const waiting = [];
  const inView = [];
  const processes = new Set();
  const threads = new Set();
  for (const r of rows) {
    if (r.entered == null) continue;
    processes.add(r.pid);
    threads.add(`${r.pid}/${r.thread}`);
    if (r.sent == null) continue;
    waiting.push(Math.max(0, r.entered - r.sent));
    inView.push(r.left - r.entered);
  }
  return {
    waiting_s: spread(waiting),
    in_view_s: spread(inView),
    reached_view: inView.length,
    processes: processes.size,
    threads: threads.size,
  };
}

// The rows of each run, kept until its timings, spans or status change: while a run goes, the
// page redraws for the "now" line more often than new data comes.
const prepared = new Map(); // run id -> {inputs, shown}

/** The runs shown, joined (and laned, by thread) for the mode. */
export function prepare(mode) {
  return shownRuns().map(({ run, timings, spans, final }) => {
    const inputs = [timings, timings.length, spans, spans.length, run.status, final, mode];
    const kept = prepared.get(run.id);
    if (kept && kept.inputs.every((value, i) => value === inputs[i])) {
      kept.shown.run = run;
      return kept.shown;
    }
    const rows = joinRows(run, timings, spans);
    const lanes = mode === "threads" ? threadLanes(rows) : [];
    const shown = { run, rows, timings, final, lanes, phases: phasesOf(rows) };
    prepared.set(run.id, { inputs, shown });
    return shown;
  });
}

/** Forget the rows kept: the next prepare joins every run again. */
export function forgetPrepared() {
  prepared.clear();
}

/** Forget the rows of runs no longer shown, once they are more than twice those shown. */
export function pruneKept(runs) {
  if (prepared.size > 2 * runs.length) {
    for (const id of prepared.keys()) if (!runs.some((r) => r.run.id === id)) prepared.delete(id);
  }
}

export function elapsedNow(runs) {
  const going = runs.map((r) => r.run).filter((run) => run.status === "running" && run.receivedAt);
  if (!going.length) return null;
  const elapsed = (run) => run.elapsed_s + (performance.now() - run.receivedAt) / 1000;
  return Math.max(0, ...going.map(elapsed));
}
