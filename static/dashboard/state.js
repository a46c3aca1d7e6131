/* The dashboard's shared state: the scenarios and servers the form offers, what the stream and
 * the API said, and which panels need a redraw. Every other module reads and updates this one
 * object, so that window.dashboard.state shows the browser tests everything the page knows.
 */
import { runKey, splitKey } from "./format.js";

const form = document.getElementById("fire-form");

export const scenarios = [...form.querySelectorAll('input[name="scenario"]')].map((input) => ({
  slug: input.value,
  label: input.dataset.label,
  short: input.dataset.short, // without "Async view, ": the kind's badge says it
  kind: input.dataset.kind,
  input,
}));
export const bySlug = new Map(scenarios.map((s) => [s.slug, s]));

// The server registry as the template renders it: bounds are [default, most].
const bounds = (text) => text.split(" ").map(Number);
export const servers = [...form.querySelectorAll('input[name="server"]')].map((input) => ({
  slug: input.value,
  label: input.dataset.label,
  protocol: input.dataset.protocol,
  workers: bounds(input.dataset.workers),
  threads: bounds(input.dataset.threads),
  input,
}));
export const serverBySlug = new Map(servers.map((s) => [s.slug, s]));

/** "4 workers, 8 threads", as the registry's Server.shape says it. */
export function shape(slug, workers, threads) {
  const server = serverBySlug.get(slug);
  if (!server) return "";
  const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const parts = [];
  if (server.workers[1] > 1) parts.push(plural(workers, "worker"));
  if (server.threads[1] > 1) parts.push(plural(threads, "thread"));
  return parts.join(", ") || "one process";
}

export const pickedScenario = () => scenarios.find((s) => s.input.checked) ?? scenarios[0];
export const pickedServer = () => (servers.find((s) => s.input.checked) ?? servers[0]).slug;

export const state = {
  frames: [], // in server time order
  runs: new Map(), // id -> run dict without timings
  runStartT: new Map(), // id -> the server time at which the run started, learnt from frames
  seenPeaks: new Map(), // id -> the peaks of a running run, folded from the frames as the server does
  current: null, // the run in the card and the durations chart
  liveTimings: [], // the current run's timings so far, from frames
  timings: null, // the current run's exact timings, once fetched
  // What the live chart shows: "run", the current run (and its rival) from fire to end on its
  // own scale; or "rolling", the last 30 s per server. A run that starts brings "run" back.
  view: "rolling",
  cleared: false, // R: the charts forget the current run until another one is shown
  frameless: null, // a picked run whose frames are gone, drawn from its times: {key, to}
  sourceFrom: "run", // whose code the source pane shows: the run shown, or the form's pick
  rival: null, // the other run of the current run's race: {id, live, timings}, like the current one's
  servers: {}, // slug -> the server's state {server, state, workers, threads, shape, url?, error?}
  serverNote: null, // the server whose state the status line tells: the last one announced
  lastFrameAt: 0,
  connected: false,
  chartSource: null,
  cost: { redraws: 0, totalMs: 0, maxMs: 0, lastMs: 0 },
};
// What changed since the last redraw: the gauges and the live chart are redrawn every time.
export const dirty = { card: true, durations: true, history: true };

/** The server the gauges and the worker strip show: the current run's while it goes, else the
 * one picked in the form. */
export function shownServer() {
  const run = state.runs.get(state.current);
  return run?.status === "running" ? run.server : pickedServer();
}

/** The series keys of the current run and of its rival, if any. */
export function runKeys() {
  return [state.current, state.rival?.id]
    .map((id) => state.runs.get(id))
    .filter(Boolean)
    .map(runKey);
}

// Every redraw looks up its window in up to ten minutes of frames, which are in time order.
export function firstFrameAt(t) {
  let lo = 0;
  let hi = state.frames.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (state.frames[mid].t < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// Frames update a running run ten times a second: the run list is redrawn on run events only.
/** A shown run's timings, [saved, live]: saved once loaded from the runs API after its end
 * (null before), live as the frames brought them. */
export function timingsOf(id) {
  if (id === state.current) return [state.timings, state.liveTimings];
  return [state.rival?.timings ?? null, state.rival?.live ?? []];
}

export function remember(run, { fromFrame = false } = {}) {
  state.runs.set(run.id, { ...state.runs.get(run.id), ...run });
  if (!fromFrame) dirty.history = true;
  if (run.id === state.current || run.id === state.rival?.id) dirty.card = true;
}

/** Fold a frame into the peaks of the runs it counts, as the server folds the same frames into
 * theirs (dashboard/runs/active.py): the card's peaks are then as live as the gauges and never
 * below what they showed. The server stops when a run concludes, the page when the run's end
 * is announced, a frame or two later: frames with nothing left running in them. */
export function foldPeaks(frame) {
  for (const { id, key } of frame.runs) {
    const peaks = state.seenPeaks.get(id) ?? { in_view: 0, threads: null, cpu_pct: null, loop_lag_ms: null };
    peaks.in_view = Math.max(peaks.in_view, frame.in_view[key] ?? 0);
    const server = frame.servers?.[splitKey(key).server];
    const processes = frame.telemetry === false ? [] : (server?.processes ?? []);
    if (processes.length) {
      const total = (name) => processes.reduce((sum, p) => sum + p[name], 0);
      peaks.threads = Math.max(peaks.threads ?? 0, total("threads"));
      peaks.cpu_pct = Math.max(peaks.cpu_pct ?? 0, total("cpu_pct"));
      const lags = processes.map((p) => p.loop_lag_ms).filter((lag) => lag != null);
      if (lags.length) peaks.loop_lag_ms = Math.max(peaks.loop_lag_ms ?? 0, ...lags);
    }
    state.seenPeaks.set(id, peaks);
  }
}

// A frame's timings of one run: [index, sent_s, answered_s, http_status, error_kind].
export function frameTimings(frame, id, into) {
  into.push(...(frame.timings?.[String(id)] ?? []));
}

export function collectLiveTimings() {
  state.liveTimings = [];
  if (state.rival) state.rival.live = [];
  for (const frame of state.frames) {
    frameTimings(frame, state.current, state.liveTimings);
    if (state.rival) frameTimings(frame, state.rival.id, state.rival.live);
  }
}
