/* The dashboard's shared state: the scenarios the form offers, what the stream and the API said,
 * and which panels need a redraw. Every other module reads and updates this one object, so that
 * window.dashboard.state shows the browser tests everything the page knows.
 */

export const scenarios = [
  ...document.getElementById("fire-form").querySelectorAll('input[name="scenario"]'),
].map((input) => ({
  slug: input.value,
  label: input.dataset.label,
  kind: input.dataset.kind,
  input,
}));
export const bySlug = new Map(scenarios.map((s) => [s.slug, s]));

export const state = {
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
// What changed since the last redraw: the gauges, the lag and the live chart are redrawn every time.
export const dirty = { card: true, durations: true, history: true };

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
export function remember(run, { fromFrame = false } = {}) {
  state.runs.set(run.id, { ...state.runs.get(run.id), ...run });
  if (!fromFrame) dirty.history = true;
  if (run.id === state.current || run.id === state.rival?.id) dirty.card = true;
}

// A frame's answers of one run: [end_s, duration_s, http_status], on the run's own clock.
export function framePoints(frame, id, into) {
  into.push(...(frame.durations[String(id)] ?? []));
}

export function collectLiveDurations() {
  state.liveDurations = [];
  if (state.rival) state.rival.live = [];
  for (const frame of state.frames) {
    framePoints(frame, state.current, state.liveDurations);
    if (state.rival) framePoints(frame, state.rival.id, state.rival.live);
  }
}
