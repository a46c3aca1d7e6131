/* The event stream: a history when it opens, then a frame about ten times a second and a run
 * event whenever a run starts or ends. Each only updates the state and asks for a redraw.
 */
import { follow, loadRunList, loadTimings } from "./api.js";
import { announce } from "./form.js";
import { scheduleRedraw } from "./redraw.js";
import { collectLiveDurations, dirty, firstFrameAt, framePoints, remember, state } from "./state.js";

const root = document.getElementById("dashboard");
const EVENTS_URL = root.dataset.eventsUrl;
const KEEP_FRAMES_S = 600; // kept so that a run picked from the history still has its frames
const RECONNECT_MS = 2000;

function learnStarts(frame) {
  for (const progress of frame.runs) {
    if (!state.runStartT.has(progress.id)) state.runStartT.set(progress.id, frame.t - progress.elapsed_s);
  }
}

function onFrame(frame) {
  // A server restarted since the history was sent starts its clock again at 0.
  if (frame.t < (state.frames.at(-1)?.t ?? 0)) {
    state.frames = [];
    state.runStartT.clear();
  }
  state.frames.push(frame);
  state.lastFrameAt = performance.now();
  if (state.frames[0].t < frame.t - KEEP_FRAMES_S - 10) {
    state.frames.splice(0, firstFrameAt(frame.t - KEEP_FRAMES_S));
  }
  learnStarts(frame);
  const receivedAt = performance.now();
  for (const { id, done, errors, elapsed_s } of frame.runs) {
    const run = state.runs.get(id);
    if (run?.status === "running") {
      remember({ ...run, done, errors, elapsed_s, receivedAt }, { fromFrame: true });
    }
  }
  if (!state.timings && frame.durations[String(state.current)]) {
    framePoints(frame, state.current, state.liveDurations);
    dirty.durations = true;
  }
  if (state.rival && !state.rival.timings && frame.durations[String(state.rival.id)]) {
    framePoints(frame, state.rival.id, state.rival.live);
    dirty.durations = true;
  }
  scheduleRedraw();
}

function onRun(run) {
  const known = state.runs.get(run.id);
  remember(run);
  // A race announces both its runs: the card follows the first, the rival rides along.
  if (!known && run.status === "running" && run.id !== state.rival?.id) follow(run.id);
  if (run.id === state.current && run.status !== "running" && known?.status === "running") {
    announce(`Run ${run.id} ${run.status}`);
    loadTimings(run.id);
  }
  if (run.id === state.rival?.id && run.status !== "running" && known?.status === "running") {
    loadTimings(run.id);
  }
  scheduleRedraw();
}

function onHistory({ frames, runs }) {
  const last = state.frames.at(-1);
  // The server's clock starts again with the server: older frames are not comparable.
  if (last && frames.length && frames.at(-1).t < last.t) {
    state.frames = [];
    state.runStartT.clear();
  }
  const older = frames.length ? state.frames.filter((f) => f.t < frames[0].t) : state.frames;
  state.frames = [...older, ...frames];
  state.frames.forEach(learnStarts);
  state.lastFrameAt = performance.now();
  for (const run of runs) remember(run);
  const newest = runs.reduce((a, b) => (b.id > (a?.id ?? -1) ? b : a), null);
  if (newest && (state.current == null || newest.id > state.current)) follow(newest.id);
  else collectLiveDurations();
  dirty.durations = true;
  loadRunList();
  scheduleRedraw();
}

function setStreamStatus(name, text) {
  const element = document.getElementById("stream-status");
  element.dataset.state = name;
  element.textContent = text;
  root.dataset.stream = name; // the gauges dim: what they show is no longer news
}

export function connect() {
  const source = new EventSource(EVENTS_URL);
  source.addEventListener("open", () => {
    state.connected = true;
    setStreamStatus("live", "live");
  });
  source.addEventListener("error", () => {
    state.connected = false;
    if (source.readyState === EventSource.CLOSED) {
      setStreamStatus("closed", "stream closed, retrying…");
      setTimeout(connect, RECONNECT_MS);
    } else {
      setStreamStatus("connecting", "reconnecting…");
    }
  });
  source.addEventListener("history", (e) => onHistory(JSON.parse(e.data)));
  source.addEventListener("frame", (e) => onFrame(JSON.parse(e.data)));
  source.addEventListener("run", (e) => onRun(JSON.parse(e.data)));
}
