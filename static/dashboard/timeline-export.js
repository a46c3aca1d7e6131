/* The timeline as a PNG: the runs shown, drawn larger than on screen under a title that names
 * them, their servers and their phases.
 */
import { download, shortNumber } from "./format.js";
import { shape } from "./state.js";
import { elapsedNow, prepare } from "./timeline-data.js";
import { hatch, paint, readPalette } from "./timeline-draw.js";
import { timeline } from "./timeline-live.js";
import { ranOnText, seconds2 } from "./timeline-text.js";

/** The timeline as a PNG: larger than on screen, with a title naming the runs. */
export function exportTimeline() {
  const runs = prepare(timeline.mode);
  if (!runs.length) return;
  const linesOf = (r) =>
    timeline.mode === "threads" ? r.lanes.reduce((sum, lane) => sum + lane.lines, 0) : r.rows.length;
  const lines = runs.reduce((sum, r) => sum + linesOf(r), 0);
  const width = 1200;
  // Rows of up to two lines of text each, under a title, a key and a header per run.
  const height = Math.round(Math.min(1400, Math.max(360, 170 + runs.length * 20 + lines * 26)));
  const scale = 2;
  const out = document.createElement("canvas");
  out.width = width * scale;
  out.height = height * scale;
  const ctx = out.getContext("2d");
  const p = readPalette();
  p.hatch = hatch(ctx, p, scale);
  const ids = runs.map((r) => `#${r.run.id}`).join(" and ");
  const title = [
    `asyncviews: each request's life, run${runs.length > 1 ? "s" : ""} ${ids}`,
    ...runs.map(({ run, phases }) => {
      const w = phases.waiting_s;
      const v = phases.in_view_s;
      const on = `on ${run.server}, ${shape(run.server, run.workers, run.threads)}`;
      const trio = (x) => `p50 ${seconds2(x.p50)}, p95 ${seconds2(x.p95)}, max ${seconds2(x.max)} s`;
      const figures = w ? `; waiting ${trio(w)}; in view ${trio(v)}; ${ranOnText(phases)}` : "";
      const what = `#${run.id} ${run.scenario} × ${run.n}, delay ${shortNumber(run.delay)} s`;
      return `${what} ${on}, ${run.status}${figures}`;
    }),
    `seconds after the run fired; ${new Date(runs[0].run.started_at ?? Date.now()).toLocaleString()}`,
  ];
  paint(ctx, width, height, scale, runs, timeline.mode, p, { title, now: elapsedNow(runs), fontPx: 13 });
  const suffix = runs.map((r) => r.run.id).join("-vs-");
  const mode = timeline.mode === "threads" ? "-threads" : "";
  download(out.toDataURL("image/png"), `asyncviews-timeline-run-${suffix}${mode}.png`);
}
