/* The timeline in words: the run card's "waiting, in view" block, the canvas's label for screen
 * readers and the lines of the tooltip over a request.
 */
import { state } from "./state.js";
import { failed } from "./timeline-data.js";

export const seconds2 = (s) => s.toFixed(2);
export const plural = (n, word) => `${n} ${word}${n === 1 ? "" : word.endsWith("s") ? "es" : "s"}`;
export const ranOnText = (phases) => `${plural(phases.processes, "process")}, ${plural(phases.threads, "thread")}`;

export function fillPhases(runsShown) {
  const block = document.querySelector('#run-card [data-field="phases"]');
  const entry = runsShown.find(({ run }) => run.id === state.current);
  if (!block || !entry) return;
  const { run } = entry;
  const running = run.status === "running";
  // Finished: the server's figures. Running: the same, from the spans fetched so far.
  const phases = !running && run.phases && "waiting_s" in run.phases ? run.phases : entry.phases;
  const set = (name, text, title = "") => {
    const field = block.querySelector(`[data-phase="${name}"]`);
    if (field.textContent !== text) field.textContent = text;
    field.title = title;
  };
  // Thin spaces around the dots: three figures and their note fit the card's line at 1280 wide.
  const dot = "\u2009·\u2009";
  const trio = (s) => (s ? [s.p50, s.p95, s.max].map(seconds2).join(dot) + " s" : "–");
  const exact = (s) => (s ? `p50 ${s.p50} s, p95 ${s.p95} s, max ${s.max} s` : "");
  const reached = phases?.reached_view ?? 0;
  set("waiting", trio(phases?.waiting_s), exact(phases?.waiting_s));
  set("in-view", trio(phases?.in_view_s), exact(phases?.in_view_s));
  const answered = entry.timings.length;
  // The figures cover the requests that reached a view: say so when some did not.
  const some = reached && reached < answered ? `; ${reached} of ${answered} reached a view` : "";
  const ranOn = reached ? `${ranOnText(phases)}${some}` : "";
  set("ran-on", ranOn, "The worker processes and threads that ran the views.");
  block.setAttribute(
    "aria-label",
    phases?.waiting_s
      ? `Waited ${seconds2(phases.waiting_s.p50)} s for the view, ` +
          `${seconds2(phases.in_view_s.p50)} s in the view (p50)`
      : "Waiting and in view: not known yet",
  );
}

export function describe(runs) {
  if (!runs.length) return "Timeline: no run yet";
  return runs
    .map(({ run, phases }) => {
      const w = phases.waiting_s;
      const v = phases.in_view_s;
      const figures = w
        ? `; waited ${seconds2(w.p50)} s (p50, max ${seconds2(w.max)} s), ` +
          `${seconds2(v.p50)} s in the view (p50), on ${ranOnText(phases)}`
        : "";
      return `Timeline of run ${run.id}, ${run.scenario} on ${run.server}: ${run.n} requests${figures}`;
    })
    .join(". ");
}

const at = (t) => (t == null ? "–" : `${t.toFixed(3)} s`);

export function describeRow(run, r) {
  const lines = [`Request ${r.index} of run #${run.id}`];
  const http = r.status ? ` (HTTP ${r.status})` : "";
  if (r.sent != null) lines.push(`sent ${at(r.sent)}, answered ${at(r.answered)}${http}`);
  if (r.entered != null) {
    lines.push(`in the view ${at(r.entered)} to ${at(r.left)}`);
    const parts = [];
    if (r.sent != null) parts.push(`waited ${at(Math.max(0, r.entered - r.sent))}`);
    parts.push(`in view ${at(r.left - r.entered)}`);
    if (r.answered != null) parts.push(`returning ${at(r.answered - r.left)}`);
    lines.push(parts.join(", "));
    lines.push(`pid ${r.pid}, thread ${r.thread}`);
  } else if (r.sent != null) {
    if (failed(r)) lines.push(`never reached a view: ${r.kind ?? `HTTP ${r.status}`}`);
    else if (run.status === "running") lines.push("its view is not reported yet");
    else lines.push("answered, but the probe reported no view for it (telemetry missing?)");
  } else {
    lines.push("not answered yet");
  }
  return lines;
}
