/* The gauges and the worker strip under them: requests in flight and in view (all servers),
 * then threads, CPU and event-loop lag of the shown server, one cell per worker process, and a
 * status line saying what the servers are doing (starting, ready, failed).
 */
import { lagParts, lagText, sum } from "./format.js";
import { serverBySlug, state } from "./state.js";

/* The event-loop lag is how late a loop ran the probe's callback (probe/looplag.py): the probe
 * posts one per 100 ms tick and reports, each tick, the worst wait since its last report,
 * counting a callback that is still waiting by its age so far. The gauge tells three things:
 * - Blocked now, from BLOCKED_MS while the figure is not falling: 100 ms is asyncio's own limit
 *   for a slow callback (loop.slow_callback_duration, reported in debug mode), and one whole
 *   probe tick: the callback posted at the last tick has not run, so the loop has run nothing
 *   new for that long and every request on it waits. Once the loop is free the next report
 *   falls: the gauge is at most one frame (100 ms) late to say the block ended.
 * - Busy, from BUSY_MS: a wait people start to notice (the RAIL model gives a response 100 ms,
 *   half of it for the work), where healthy runs here peak at 1-24 ms (docs/talk.md).
 * - What happened recently: the worst of the last RECENT_S (the live chart's window), with how
 *   long ago, once the loop is back below it; the run card keeps each run's peak.
 */
const BUSY_MS = 50;
const BLOCKED_MS = 100;
const RECENT_S = 30;
const STALE_MS = 500; // the probes report every 100 ms: five missed reports are worth saying

// Written only when it changes: the outputs and the status line are live regions.
function setText(element, text) {
  if (element.textContent !== String(text)) element.textContent = text;
}

function setGauge(id, text, { level, unit, help } = {}) {
  const gauge = document.getElementById(id);
  setText(gauge.querySelector("output"), text);
  if (level === "") delete gauge.dataset.level;
  else if (level) gauge.dataset.level = level;
  if (unit != null) setText(gauge.querySelector(".unit"), unit);
  if (help != null) setText(gauge.querySelector(".help"), help);
}

const plural = (n, word, words = `${word}s`) => `${n} ${n === 1 ? word : words}`;
// One line under a gauge: the strip below names the server.
const where = (n) => (n === 1 ? "in its one process" : `summed over ${n} workers`);

// Why a server shows no processes: it is starting, stopped, never started, or its probes are silent.
function absent(slug) {
  const known = state.servers[slug]?.state;
  if (known === "ready") return "no probe reports";
  return known === "starting" ? "server starting…" : known === "failed" ? "server failed" : "server not running";
}

/** What a server is doing, as the status line says it. */
export function serverStatus(server) {
  if (!server) return "";
  const { server: slug, shape } = server;
  switch (server.state) {
    case "starting":
      return `starting ${slug}, ${shape}…`;
    case "ready":
      return `${slug} ready, ${shape}`;
    case "failed":
      return `${slug} failed: ${server.error ?? "it did not start"}`;
    case "stopping":
      return `stopping ${slug}…`;
    default:
      return `${slug} ${server.state}`;
  }
}

// The worst lag of the shown server's loops in a frame: null when it has none (yet).
function frameLag(frame, slug) {
  const lags = (frame.servers?.[slug]?.processes ?? []).map((p) => p.loop_lag_ms).filter((l) => l != null);
  return lags.length ? Math.max(...lags) : null;
}

const blocked = (lag, before) => lag != null && lag >= BLOCKED_MS && !(before != null && lag < before);
const ago = (s) => (s < 1 ? "just now" : `${Math.floor(s)} s ago`);

// The worst of the last RECENT_S, and when.
function recentWorst(frames, slug) {
  const latest = frames.at(-1).t;
  let worst = null;
  for (let i = frames.length - 1; i >= 0 && frames[i].t >= latest - RECENT_S; i--) {
    const lag = frameLag(frames[i], slug);
    if (lag != null && lag > (worst?.lag ?? 0)) worst = { lag, t: frames[i].t };
  }
  return worst && { ...worst, age: latest - worst.t };
}

function drawLag(frames, slug, processes) {
  const frame = frames.at(-1);
  const protocol = serverBySlug.get(slug)?.protocol;
  if (protocol === "wsgi") {
    setGauge("gauge-loop-lag", "no event loop", { level: "none", unit: "", help: "WSGI: none to block" });
    return;
  }
  const lag = frameLag(frame, slug);
  if (lag == null) {
    const help = processes.length ? "from the first request" : absent(slug);
    setGauge("gauge-loop-lag", "–", { level: "", unit: "ms", help });
    return;
  }
  const [value, unit] = lagParts(lag);
  const before = frames.length > 1 ? frameLag(frames.at(-2), slug) : null;
  if (blocked(lag, before)) {
    setGauge("gauge-loop-lag", value, { level: "alarm", unit, help: "blocked now" });
    return;
  }
  const level = lag >= BUSY_MS ? "warn" : "ok";
  let help = processes.length === 1 ? "how late the loop runs" : `worst of ${processes.length} loops`;
  if (level === "warn") help = "busy now";
  const recent = recentWorst(frames, slug);
  if (level === "ok" && recent && recent.lag >= BUSY_MS) {
    help = `${recent.lag >= BLOCKED_MS ? "blocked" : "busy"} ${lagText(recent.lag)}, ${ago(recent.age)}`;
  }
  setGauge("gauge-loop-lag", value, { level, unit, help });
}

// Two lines for the strip whatever the server: up to FULL_CELLS workers get a cell each with all
// their figures; more get compact cells (pid, CPU, lag, named once in front), all in the title.
const FULL_CELLS = 2;

function workerCell(process, asgi, before, compact) {
  const lag = process.loop_lag_ms;
  const parts = [plural(process.threads, "thread"), `${Math.round(process.cpu_pct)} % CPU`];
  if (asgi) {
    parts.push(lag == null ? "lag –" : `lag ${lagText(lag)}`);
    if (process.tasks != null) parts.push(plural(process.tasks, "task"));
  }
  // A process whose probe fell silent shows figures that old, and says so.
  const stale = process.age_ms >= STALE_MS ? `${(process.age_ms / 1000).toFixed(1)} s old` : null;
  if (stale) parts.push(stale);
  const cell = document.createElement("li");
  cell.dataset.pid = process.pid;
  if (blocked(lag, before)) cell.dataset.level = "alarm";
  const pid = Object.assign(document.createElement("b"), { textContent: compact ? process.pid : `pid ${process.pid}` });
  const brief = [`${Math.round(process.cpu_pct)} %`];
  if (asgi) brief.push(lag == null ? "–" : lagText(lag));
  if (stale) brief.push(stale);
  cell.append(pid, ` ${(compact ? brief : parts).join(" · ")}`);
  const tasks = asgi ? " (asyncio tasks on its loop)" : "";
  cell.title = `worker process ${process.pid}: ${parts.join(", ")}${tasks}`;
  return cell;
}

function drawStrip(frames, slug, processes) {
  const frame = frames.at(-1);
  const earlier = frames.at(-2)?.servers?.[slug]?.processes ?? [];
  const lagBefore = new Map(earlier.map((p) => [p.pid, p.loop_lag_ms]));
  const asgi = serverBySlug.get(slug)?.protocol === "asgi";
  const note = state.serverNote ?? slug;
  const status = document.getElementById("server-status");
  const server = state.servers[note];
  setText(status, server ? serverStatus(server) : `${note} not running`);
  status.dataset.state = server?.state ?? "stopped";
  // Without telemetry the last figures are stale: none is shown rather than an old one.
  const shown = frame.telemetry === false ? [] : processes;
  const compact = shown.length > FULL_CELLS;
  const label = document.getElementById("workers-of");
  const named = note === slug ? "" : `${slug} `;
  setText(label, compact ? `${named}pid · CPU${asgi ? " · lag" : ""}:` : `${slug}:`);
  label.hidden = !shown.length || (!compact && note === slug);
  const cells = shown.map((p) => workerCell(p, asgi, lagBefore.get(p.pid), compact));
  document.getElementById("worker-cells").replaceChildren(...cells);
  document.getElementById("telemetry-missing").hidden = frame.telemetry !== false;
}

/** frames: those kept, newest last; slug: the shown server. */
export function drawGauges(frames, slug) {
  const frame = frames.at(-1);
  setGauge("gauge-in-flight", sum(frame.in_flight));
  const processes = frame.servers?.[slug]?.processes ?? [];
  drawStrip(frames, slug, processes);
  if (frame.telemetry === false) {
    // Nothing measured is shown as nothing: the probes' reports do not arrive.
    const missing = { level: "missing", help: "telemetry missing" };
    for (const id of ["gauge-in-view", "gauge-threads", "gauge-cpu", "gauge-loop-lag"]) setGauge(id, "–", missing);
    return;
  }
  setGauge("gauge-in-view", sum(frame.in_view), { level: "", help: "executing inside a view" });
  const running = processes.length > 0;
  const idle = { level: "", help: absent(slug) };
  const threads = processes.reduce((total, p) => total + p.threads, 0);
  const cpu = processes.reduce((total, p) => total + p.cpu_pct, 0);
  const summed = running ? { level: "", help: where(processes.length) } : idle;
  setGauge("gauge-threads", running ? threads : "–", summed);
  setGauge("gauge-cpu", running ? Math.round(cpu) : "–", summed);
  drawLag(frames, slug, processes);
}
