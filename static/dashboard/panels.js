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

// The wall time against the same work in a view written well (the API's written_well_s); and,
// when the view as written cannot do that, the best it can do (ideal_wall_s).
function compared(run, running) {
  const { wall_s: wall, written_well_s: well, ideal_wall_s: ideal } = run;
  let ratio = "";
  if (!running && wall != null && well > 0) {
    ratio = run.errors > 0 && run.errors === run.done ? "all failed" : `× ${(wall / well).toFixed(2)}`;
  }
  let note = "";
  if (ideal === 0) note = "as written, it answers before the work is done";
  else if (ideal != null && well != null && Math.abs(ideal - well) > 0.005) {
    note = `as written, at best ${seconds(ideal)}`;
  }
  return { ratio, note };
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
  set("scenario", scenario ? scenario.short : run.scenario);
  field("scenario").title = scenario ? scenario.label : "";
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
  const yardstick = compared(run, running);
  set("well", seconds(run.written_well_s));
  set("ratio", yardstick.ratio);
  set("as-written", yardstick.note);
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

// Six columns, so that the table fits its pane beside the durations at 1280 wide: the server
// under the scenario, the status in place of the wall time until the run has one.
function historyCells(run) {
  const ended = run.status === "finished" && run.wall_s != null;
  const ratio = ended && run.written_well_s > 0 ? `× ${(run.wall_s / run.written_well_s).toFixed(1)}` : "–";
  return [
    "",
    run.scenario,
    `${run.n} × ${shortNumber(run.delay)} s`,
    run.status === "running" ? `${run.done} of ${run.n}` : ended ? seconds(run.wall_s) : run.status,
    ratio,
    run.errors,
  ];
}

function historyRow(run, current) {
  const row = document.createElement("tr");
  row.dataset.runId = run.id;
  if (run.id === current) row.setAttribute("aria-current", "true");
  historyCells(run).forEach((text, i) => {
    const cell = document.createElement("td");
    cell.textContent = text;
    if (i >= 2) cell.className = "num";
    if (i === 3) cell.classList.add(`status-${run.status}`);
    row.append(cell);
  });
  const server = Object.assign(document.createElement("span"), { className: "history-server" });
  server.textContent = run.server;
  row.cells[1].append(server);
  row.cells[1].title = `${run.scenario} ${onServer(run)}`;
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
