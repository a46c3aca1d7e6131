/* Exports: the current run as the API gives it (JSON), its requests as CSV, or a chart as PNG. */
import { getJson, reportFailure, runUrl } from "./api.js";
import { downloadPng } from "./charts.js";
import { download } from "./format.js";
import { charts } from "./redraw.js";
import { state } from "./state.js";

// A CSV field: quoted when it holds a comma, a quote or a line break; empty for none.
function csvText(value) {
  const text = value == null ? "" : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export async function exportRun(format) {
  if (state.current == null) return;
  const run = await getJson(runUrl(state.current)).catch(reportFailure);
  if (!run) return;
  let blob;
  if (format === "json") {
    blob = new Blob([JSON.stringify(run, null, 2)], { type: "application/json" });
  } else {
    const lines = ["request,sent_s,answered_s,duration_s,http_status,error_kind"];
    const timings = [...run.timings].sort((a, b) => a[0] - b[0]);
    for (const [index, sent, answered, status, kind] of timings) {
      lines.push([index, sent, answered, (answered - sent).toFixed(6), status, csvText(kind)].join(","));
    }
    blob = new Blob([`${lines.join("\n")}\n`], { type: "text/csv" });
  }
  const url = URL.createObjectURL(blob);
  download(url, `asyncviews-run-${run.id}-${run.scenario}-${run.server}.${format}`);
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** name: "live" or "durations". */
export function exportChart(name) {
  if (!charts) return;
  const run = state.current == null ? "" : `-run-${state.current}`;
  downloadPng(charts[name], `asyncviews-${name}${run}.png`);
}
