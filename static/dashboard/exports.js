/* Exports: the current run as the API gives it (JSON), its requests as CSV, or a chart as PNG. */
import { getJson, reportFailure, runUrl } from "./api.js";
import { downloadPng } from "./charts.js";
import { download } from "./format.js";
import { charts } from "./redraw.js";
import { state } from "./state.js";

export async function exportRun(format) {
  if (state.current == null) return;
  const run = await getJson(runUrl(state.current)).catch(reportFailure);
  if (!run) return;
  let blob;
  if (format === "json") {
    blob = new Blob([JSON.stringify(run, null, 2)], { type: "application/json" });
  } else {
    const lines = ["request,start_s,end_s,duration_s,http_status"];
    run.timings.forEach(([start, end, status], i) => {
      lines.push([i + 1, start, end, (end - start).toFixed(6), status].join(","));
    });
    blob = new Blob([`${lines.join("\n")}\n`], { type: "text/csv" });
  }
  const url = URL.createObjectURL(blob);
  download(url, `asyncviews-run-${run.id}-${run.scenario}.${format}`);
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** name: "live" or "durations". */
export function exportChart(name) {
  if (!charts) return;
  const run = state.current == null ? "" : `-run-${state.current}`;
  downloadPng(charts[name], `asyncviews-${name}${run}.png`);
}
