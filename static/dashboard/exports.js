/* Exports: the run shown as the API gives it (JSON), its requests as CSV, or a chart as PNG with
 * a title. A race exports both its runs, as POST /races/ answers them: {"runs": [a, b]}.
 */
import { getJson, reportFailure, runUrl } from "./api.js";
import { downloadPng } from "./charts.js";
import { download, raceName, runKey } from "./format.js";
import { charts } from "./redraw.js";
import { shape, state } from "./state.js";

// A CSV field: quoted when it holds a comma, a quote or a line break; empty for none.
function csvText(value) {
  const text = value == null ? "" : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const CSV_HEADER = "run,scenario,server,request,sent_s,answered_s,duration_s,http_status,error_kind";

/** One line per request of each run, in the order of the runs and then of the requests. */
function csv(runs) {
  const lines = [CSV_HEADER];
  for (const run of runs) {
    const timings = [...run.timings].sort((a, b) => a[0] - b[0]);
    for (const [index, sent, answered, status, kind] of timings) {
      const duration = (answered - sent).toFixed(6);
      const fields = [run.id, run.scenario, run.server, index, sent, answered, duration, status, csvText(kind)];
      lines.push(fields.join(","));
    }
  }
  return `${lines.join("\n")}\n`;
}

// "run-12-async-sleep-uvicorn", or for a race "race-12-13-async-sleep-vs-async-blocking".
function fileStem(runs) {
  const [run, rival] = runs;
  if (!rival) return `run-${run.id}-${run.scenario}-${run.server}`;
  const names = runs.map((r, i) => raceName(runKey(r), runKey(runs[1 - i])).replaceAll(" @ ", "-"));
  return `race-${run.id}-${rival.id}-${names.join("-vs-")}`;
}

export async function exportRun(format) {
  if (state.current == null) return;
  const ids = [state.current, state.rival?.id].filter((id) => id != null);
  const runs = await Promise.all(ids.map((id) => getJson(runUrl(id)))).catch(reportFailure);
  if (!runs) return;
  let blob;
  if (format === "json") {
    const body = runs.length > 1 ? { runs } : runs[0];
    blob = new Blob([JSON.stringify(body, null, 2)], { type: "application/json" });
  } else {
    blob = new Blob([csv(runs)], { type: "text/csv" });
  }
  const url = URL.createObjectURL(blob);
  download(url, `asyncviews-${fileStem(runs)}.${format}`);
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

const CHART_TITLES = { live: "In flight vs in view", durations: "Request durations" };

// What a run was: "#12 async-sleep × 100, delay 1 s, on uvicorn (one process)".
function described(run) {
  const where = `${run.server} (${shape(run.server, run.workers, run.threads)})`;
  return `#${run.id} ${run.scenario} × ${run.n}, delay ${run.delay} s, on ${where}`;
}

/** name: "live" or "durations". The picture says what it shows and of which runs. */
export function exportChart(name) {
  if (!charts) return;
  const runs = [state.current, state.rival?.id].map((id) => state.runs.get(id)).filter(Boolean);
  const ofRuns = runs.length > 0 && (name === "durations" || charts.live.$relative);
  const ids = runs.map((run) => `#${run.id}`).join(" vs ");
  const title = `${CHART_TITLES[name]}, ${ofRuns ? `${runs.length > 1 ? "race" : "run"} ${ids}` : "the last 30 s"}`;
  const when = `asyncviews, ${new Date().toLocaleString()}`;
  const subtitle = ofRuns ? [...runs.map(described), when] : when;
  const stem = ofRuns ? `-${fileStem(runs)}` : "";
  downloadPng(charts[name], `asyncviews-${name}${stem}.png`, { title, subtitle });
}
