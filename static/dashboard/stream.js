/* The event stream: a history when it opens, then a frame about ten times a second, a run
 * event whenever a run starts or ends and a server event whenever a server starts, is ready,
 * fails or stops. Each only updates the state and asks for a redraw.
 */
import { follow, loadRunList, loadTimings } from "./api.js";
import { announce } from "./form.js";
import { scheduleRedraw } from "./schedule.js";
import { collectLiveTimings, dirty, firstFrameAt, foldPeaks, frameTimings, remember, state } from "./state.js";

const root = document.getElementById("dashboard");
const EVENTS_URL = root.dataset.eventsUrl;
const KEEP_FRAMES_S = 600; // kept so that a run picked from the history still has its frames
const RECONNECT_MS = 2000;
const SILENT_MS = 400; // frames are due every 100 ms: a longer silence means the dashboard stalled

// What a frame tells of the runs in it: their peaks so far, and when each fired. A run's
// elapsed time is 0 until its load generator fires (after its handshake): its start on the
// server's clock is known from the first frame that counts some.
function learnRuns(frame) {
  foldPeaks(frame);
  for (const progress of frame.runs) {
    if (!state.runStartT.has(progress.id) && progress.elapsed_s > 0) {
      state.runStartT.set(progress.id, frame.t - progress.elapsed_s);
    }
  }
}

// Frames carry every server's state too: one that started before the page opened is known.
function learnServers(frame) {
  for (const [slug, { processes, ...server }] of Object.entries(frame.servers ?? {})) {
    state.servers[slug] = server;
  }
}

function onFrame(frame) {
  // A server restarted since the history was sent starts its clock again at 0.
  if (frame.t < (state.frames.at(-1)?.t ?? 0)) {
    state.frames = [];
    state.runStartT.clear();
  }
  state.frames.push(frame);
  if (state.lastFrameAt && performance.now() - state.lastFrameAt > SILENT_MS) setStreamStatus("live", "live");
  state.lastFrameAt = performance.now();
  if (state.frames[0].t < frame.t - KEEP_FRAMES_S - 10) {
    state.frames.splice(0, firstFrameAt(frame.t - KEEP_FRAMES_S));
  }
  learnRuns(frame);
  learnServers(frame);
  const receivedAt = performance.now();
  for (const { id, done, errors, elapsed_s } of frame.runs) {
    const run = state.runs.get(id);
    if (run?.status === "running") {
      remember({ ...run, done, errors, elapsed_s, receivedAt }, { fromFrame: true });
    }
  }
  if (!state.timings && frame.timings?.[String(state.current)]) {
    frameTimings(frame, state.current, state.liveTimings);
    dirty.durations = true;
  }
  if (state.rival && !state.rival.timings && frame.timings?.[String(state.rival.id)]) {
    frameTimings(frame, state.rival.id, state.rival.live);
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

function onServer(server) {
  state.servers[server.server] = server;
  state.serverNote = server.server;
  scheduleRedraw();
}

function onHistory({ frames, runs, servers = {} }) {
  const last = state.frames.at(-1);
  // The server's clock starts again with the server: older frames are not comparable.
  if (last && frames.length && frames.at(-1).t < last.t) {
    state.frames = [];
    state.runStartT.clear();
  }
  const older = frames.length ? state.frames.filter((f) => f.t < frames[0].t) : state.frames;
  state.frames = [...older, ...frames];
  state.frames.forEach(learnRuns);
  Object.assign(state.servers, servers);
  state.lastFrameAt = performance.now();
  for (const run of runs) remember(run);
  const newest = runs.reduce((a, b) => (b.id > (a?.id ?? -1) ? b : a), null);
  if (newest && (state.current == null || newest.id > state.current)) follow(newest.id);
  else collectLiveTimings();
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

// The dashboard sends frames whatever its subjects do: silence means it (or the network) stalled.
export function watchForSilence() {
  setInterval(() => {
    const silentMs = performance.now() - state.lastFrameAt;
    if (state.connected && state.lastFrameAt && silentMs > SILENT_MS) {
      setStreamStatus("silent", `no frames for ${(silentMs / 1000).toFixed(1)} s`);
    }
  }, 200);
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
  source.addEventListener("server", (e) => onServer(JSON.parse(e.data)));
}
