/* The run panels that are plain HTML: the run card (rendered first by the server's run-card
 * partial, kept up to date here) and the run history table.
 */
import { lagText, raceName, runKey, seconds, shortNumber } from "./format.js";
import { serverBySlug, shape } from "./state.js";

const onServer = (run) => `on ${run.server}, ${shape(run.server, run.workers, run.threads)}`;

const nameOf = (run, other) => raceName(runKey(run), runKey(other));

// Both runs of a race started together: their wall times say which finished first.
function raceResult(run, rival) {
  if (!rival) return "";
  const rivalName = nameOf(rival, run);
  if (run.status === "running" || rival.status === "running") return `Racing ${rivalName} (run #${rival.id})…`;
  if (run.wall_s == null || rival.wall_s == null) return `Raced ${rivalName} (run #${rival.id}).`;
  const [first, second] = [run, rival].sort((a, b) => a.wall_s - b.wall_s);
  const by = second.wall_s - first.wall_s;
  const walls = `${first.wall_s.toFixed(2)} vs ${seconds(second.wall_s)}`;
  if (by < 0.01) return `Dead heat: ${walls}`;
  return `${nameOf(first, second)} first by ${seconds(by)}: ${walls}`;
}

function peakLag(run) {
  const lag = run.peaks?.loop_lag_ms;
  if (lag != null) return lagText(lag);
  return serverBySlug.get(run.server)?.protocol === "wsgi" ? "no loop" : "–";
}

/** Fill the run card from a run dict; scenario is the registry's entry for its slug, rival the
 * other run of its race, if any. */
export function drawCard(run, scenario, rival = null) {
  const card = document.getElementById("run-card");
  const field = (name) => card.querySelector(`[data-field="${name}"]`);
  const set = (name, text) => {
    field(name).textContent = text;
  };
  card.dataset.runId = run.id;
  card.dataset.status = run.status;
  set("title", `Run #${run.id}`);
  set("status", run.status);
  set("scenario", scenario ? scenario.label : run.scenario);
  set("kind", scenario ? scenario.kind : "");
  field("kind").className = `badge badge-${scenario?.kind ?? ""}`;
  set("shape", `× ${run.n}, delay ${shortNumber(run.delay)} s`);
  set("server", onServer(run));
  field("progress").max = run.n;
  field("progress").value = run.done;
  set("done", `${run.done} of ${run.n} done`);
  const running = run.status === "running";
  const elapsed = running ? run.elapsed_s : run.wall_s;
  // The load generator fires half a second after the launch: no negative time shown.
  set("wall", running ? seconds(Math.max(0, run.elapsed_s ?? 0)) : seconds(run.wall_s));
  set("wall-note", running ? "elapsed" : "");
  set("ideal", seconds(run.ideal_wall_s));
  const ratio = !running && run.wall_s != null && run.ideal_wall_s > 0 ? run.wall_s / run.ideal_wall_s : null;
  set("ratio", ratio == null ? "" : `× ${ratio.toFixed(2)}`);
  set("race", raceResult(run, rival));
  field("race").title = field("race").textContent;
  set("rps", elapsed > 0 ? (run.done / elapsed).toFixed(1) : "–");
  set("errors", run.errors);
  set("p50", seconds(run.p50_s));
  set("p95", seconds(run.p95_s));
  set("p99", seconds(run.p99_s));
  set("max", seconds(run.max_s));
  set("peak-in-view", run.peaks?.in_view ?? "–");
  set("peak-threads", run.peaks?.threads ?? "–");
  set("peak-cpu", run.peaks?.cpu_pct == null ? "–" : `${Math.round(run.peaks.cpu_pct)} %`);
  set("peak-lag", peakLag(run));
  const kinds = Object.entries(run.error_kinds ?? {}).map(([kind, count]) => `${count} × ${kind}`);
  set("error-kinds", kinds.length ? `Errors: ${kinds.join(", ")}` : "");
  const missing = run.telemetry_missing_s ?? 0;
  const gap = `server telemetry missing for ${missing.toFixed(1)} s: the peaks miss that stretch`;
  set("telemetry", missing > 0 ? gap : "");
  for (const button of card.querySelectorAll("[data-export]")) button.disabled = false;
}

const NUMERIC = new Set([3, 5, 6, 7, 8]);
const STATUS = 4;

function historyRow(run, current) {
  const row = document.createElement("tr");
  row.dataset.runId = run.id;
  if (run.id === current) row.setAttribute("aria-current", "true");
  const running = run.status === "running";
  const cells = [
    "",
    run.scenario,
    run.server,
    `${run.n} × ${shortNumber(run.delay)} s`,
    running ? `${run.done} of ${run.n}` : run.status,
    running ? "–" : seconds(run.wall_s),
    seconds(run.ideal_wall_s),
    seconds(run.p99_s),
    run.errors,
  ];
  cells.forEach((text, i) => {
    const cell = document.createElement("td");
    cell.textContent = text;
    if (NUMERIC.has(i)) cell.className = "num";
    if (i === STATUS) cell.className = `status-${run.status}`;
    row.append(cell);
  });
  row.cells[2].title = onServer(run);
  const pick = Object.assign(document.createElement("button"), {
    type: "button",
    className: "pick",
    textContent: `#${run.id}`,
    title: `started ${new Date(run.started_at).toLocaleString()}`,
  });
  pick.dataset.pick = run.id;
  pick.setAttribute("aria-label", `Show run ${run.id}`);
  row.cells[0].append(pick);
  return row;
}

/** The newest runs first; each row's button carries data-pick with the run's id. */
export function drawHistory(runs, current, limit) {
  const newest = [...runs].sort((a, b) => b.id - a.id).slice(0, limit);
  document.getElementById("history-rows").replaceChildren(...newest.map((run) => historyRow(run, current)));
}
