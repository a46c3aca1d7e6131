/* The timeline tab: every request's life on one time axis, seconds after its run fired, a row
 * per request in the order sent (waiting, in the view, returning) or, "by thread", a lane per
 * thread. Wires the panel (hover, its buttons) and gives window.dashboard.timeline; the parts
 * are timeline-data, -draw, -marks, -text, -live and -export.js.
 */
import { exportTimeline } from "./timeline-export.js";
import { drawnLayout, invalidate, timeline, watchScreen } from "./timeline-live.js";
import { describeRow, plural } from "./timeline-text.js";

export { timeline };

const canvas = document.getElementById("timeline");
const box = canvas.parentElement;
const tip = document.getElementById("timeline-tip");
const byThread = document.getElementById("timeline-by");

function hit(x, y) {
  const lastLayout = drawnLayout();
  if (!lastLayout) return null;
  for (const band of lastLayout.bands) {
    if (y < band.y0 || y >= band.y1) continue;
    if (band.mode === "threads") {
      const lane = band.lanes.find((l) => y >= l.y0 && y < l.y1);
      if (!lane) return null;
      const line = Math.floor((y - lane.y0) / band.lineH);
      const t = ((x - lastLayout.x0) / (lastLayout.x1 - lastLayout.x0)) * lastLayout.tMax;
      const view = lane.views.find((v) => v.line === line && t >= v.entered - 0.01 && t <= v.left + 0.01);
      return view ? { run: band.run, row: view } : { run: band.run, lane };
    }
    const i = Math.floor((y - band.y0) / band.rowH);
    const row = band.rows[i];
    return row ? { run: band.run, row } : null;
  }
  return null;
}

function showTip(event) {
  const rect = canvas.getBoundingClientRect();
  const x = event.clientX - rect.left;
  const y = event.clientY - rect.top;
  const found = hit(x, y);
  if (!found) {
    tip.hidden = true;
    return;
  }
  const lines = found.row
    ? describeRow(found.run, found.row)
    : [
        `thread ${found.lane.thread} of pid ${found.lane.pid}`,
        `${plural(found.lane.views.length, "view")} of run #${found.run.id}`,
      ];
  const line = (text, i) =>
    Object.assign(document.createElement(i ? "span" : "strong"), { textContent: text });
  tip.replaceChildren(...lines.map(line));
  tip.hidden = false;
  // Beside the pointer, inside the box.
  const left = Math.min(x + 12, box.clientWidth - tip.offsetWidth - 4);
  const top = y + 14 + tip.offsetHeight > box.clientHeight ? y - tip.offsetHeight - 8 : y + 14;
  tip.style.left = `${Math.max(0, left)}px`;
  tip.style.top = `${Math.max(0, top)}px`;
}

export function wireTimeline() {
  watchScreen();
  canvas.addEventListener("mousemove", showTip);
  canvas.addEventListener("mouseleave", () => {
    tip.hidden = true;
  });
  byThread.addEventListener("click", () => {
    timeline.mode = timeline.mode === "threads" ? "requests" : "threads";
    byThread.setAttribute("aria-pressed", String(timeline.mode === "threads"));
    tip.hidden = true;
    invalidate();
  });
  document.getElementById("timeline-png").addEventListener("click", exportTimeline);
}
