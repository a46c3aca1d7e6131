/* The gauges and the worker strip under them: requests in flight and in view (all servers),
 * then threads, CPU and event-loop lag of the shown server, one cell per worker process, and a
 * status line saying what the servers are doing (starting, ready, failed).
 */
import { lagParts, lagText, sum } from "./format.js";
import { serverBySlug, state } from "./state.js";

const LAG_WARN_MS = 20;
const LAG_ALARM_MS = 100;
const LAG_WINDOW_S = 2; // a blip stays visible this long in the lag gauge's help line

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
  const level = lag >= LAG_ALARM_MS ? "alarm" : lag >= LAG_WARN_MS ? "warn" : "ok";
  const [value, unit] = lagParts(lag);
  let help = processes.length === 1 ? "how late the loop runs" : `worst of ${processes.length} loops`;
  if (level === "alarm") {
    // The probe times the loop from a thread of its own: while it is held, the lag grows.
    const before = frames.length > 1 ? frameLag(frames.at(-2), slug) : null;
    help = `blocked ${lagText(lag)}${before != null && lag > before ? " so far" : ""}`;
  } else {
    let worst = 0;
    for (let i = frames.length - 1; i >= 0 && frames[i].t >= frame.t - LAG_WINDOW_S; i--) {
      worst = Math.max(worst, frameLag(frames[i], slug) ?? 0);
    }
    if (worst >= LAG_ALARM_MS) help = `${lagText(worst)} in the last ${LAG_WINDOW_S} s`;
  }
  setGauge("gauge-loop-lag", value, { level, unit, help });
}

function workerCell(process, asgi) {
  const lag = process.loop_lag_ms;
  const parts = [plural(process.threads, "thread"), `${Math.round(process.cpu_pct)} % CPU`];
  if (asgi) {
    parts.push(lag == null ? "lag –" : `lag ${lagText(lag)}`);
    if (process.tasks != null) parts.push(plural(process.tasks, "task"));
  }
  const cell = document.createElement("li");
  cell.dataset.pid = process.pid;
  if (lag != null && lag >= LAG_ALARM_MS) cell.dataset.level = "alarm";
  const pid = Object.assign(document.createElement("b"), { textContent: `pid ${process.pid}` });
  cell.append(pid, ` ${parts.join(" · ")}`);
  const tasks = asgi ? " (asyncio tasks on its loop)" : "";
  cell.title = `worker process ${process.pid}: ${parts.join(", ")}${tasks}`;
  return cell;
}

function drawStrip(frame, slug, processes) {
  const asgi = serverBySlug.get(slug)?.protocol === "asgi";
  const note = state.serverNote ?? slug;
  const status = document.getElementById("server-status");
  const server = state.servers[note];
  setText(status, server ? serverStatus(server) : `${note} not running`);
  status.dataset.state = server?.state ?? "stopped";
  const label = document.getElementById("workers-of");
  setText(label, `${slug}:`);
  label.hidden = note === slug || !processes.length;
  // Without telemetry the last figures are stale: none is shown rather than an old one.
  const shown = frame.telemetry === false ? [] : processes;
  document.getElementById("worker-cells").replaceChildren(...shown.map((p) => workerCell(p, asgi)));
  document.getElementById("telemetry-missing").hidden = frame.telemetry !== false;
}

/** frames: those kept, newest last; slug: the shown server. */
export function drawGauges(frames, slug) {
  const frame = frames.at(-1);
  setGauge("gauge-in-flight", sum(frame.in_flight));
  const processes = frame.servers?.[slug]?.processes ?? [];
  drawStrip(frame, slug, processes);
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
