/* The timeline panel as the page runs: window.dashboard.timeline (what was drawn, what drawing
 * cost), the spans fetched from GET /runs/<id>/ at most every POLL_MS while a shown run goes and
 * the tab is shown, and a redraw of the canvas only when what it shows changed (runs, sizes,
 * theme; the time while a run goes).
 */
import { getJson, runUrl } from "./api.js";
import { scheduleRedraw } from "./schedule.js";
import { state, timingsOf } from "./state.js";
import { elapsedNow, forgetPrepared, polled, prepare, pruneKept } from "./timeline-data.js";
import { hatch, paint, paintEmpty, readPalette } from "./timeline-draw.js";
import { describe, fillPhases } from "./timeline-text.js";

// Spans while a run goes: GET /runs/<id>/ costs the dashboard under 10 ms at n = 1000.
const POLL_MS = 500;
const KEPT_COSTS = 200;

const canvas = document.getElementById("timeline");
const box = canvas.parentElement;
const tools = document.getElementById("timeline-by").parentElement;

/** What the tests and the curious read: the last drawing's data and the cost of drawing. */
export const timeline = {
  mode: "requests", // or "threads"
  colours: {}, // pid -> the colour of its views
  runs: [], // per run drawn: {id, key, n, status, final, rows, lanes, phases}
  // recent: [{ms, prepareMs, fresh, rows}], fresh when the theme's colours were read again
  cost: { redraws: 0, lastMs: 0, maxMs: 0, recent: [] },
  fetches: { count: 0, lastMs: 0, maxMs: 0 },
  /** Where on the page (client pixels) row `row` of band `band` is at time t, as last drawn. */
  where(band, row, t) {
    const drawn = lastLayout?.bands[band];
    if (!drawn?.rows) return null;
    const rect = canvas.getBoundingClientRect();
    return { x: rect.left + lastLayout.xOf(t), y: rect.top + drawn.y0 + (row + 0.5) * drawn.rowH };
  },
  /** Draw now, whatever changed; answers the milliseconds it took. */
  redraw() {
    drawnSignature = "";
    forgetPrepared();
    return draw(true);
  },
};

let drawnSignature = "";
let palette = null;
let lastLayout = null;
// Sizes from the ResizeObserver: reading them from the DOM in a redraw would force a layout.
let boxSize = { width: 0, height: 0 };
let toolsWidth = 0;
let rem = null; // the page's text size, which follows the window's width (site.css)

/** The layout last drawn on screen, for hovering; null when no run is drawn. */
export const drawnLayout = () => lastLayout;

/** Draw again at the next redraw of the page, whatever the signature says. */
export function invalidate() {
  drawnSignature = "";
  scheduleRedraw();
}

function paneShown() {
  return !canvas.closest("[role=tabpanel]").hidden && !document.hidden;
}

function poll(ids) {
  const now = performance.now();
  for (const id of ids) {
    const known = polled.get(id) ?? { timings: [], spans: [], at: -Infinity, pending: false };
    if (known.pending || now - known.at < POLL_MS) continue;
    known.pending = true;
    known.at = now;
    polled.set(id, known);
    getJson(runUrl(id))
      .then((run) => {
        const ms = performance.now() - now;
        const { fetches } = timeline;
        fetches.count += 1;
        fetches.lastMs = ms;
        fetches.maxMs = Math.max(fetches.maxMs, ms);
        known.timings = run.timings;
        known.spans = run.spans;
        scheduleRedraw();
      })
      .catch(() => {
        // The next redraw asks again; the run's end loads its spans anyway.
      })
      .finally(() => {
        known.pending = false;
      });
  }
}

function signature(width, height) {
  const visible = width > 0 && height > 0;
  const theme = document.documentElement.dataset.theme;
  const parts = [timeline.mode, width, height, devicePixelRatio, theme, Boolean(state.cleared)];
  for (const id of [state.current, state.rival?.id]) {
    const run = state.runs.get(id);
    if (!run) continue;
    const fresh = polled.get(id);
    parts.push(id, run.status, run.spans?.length, fresh?.spans.length, fresh?.timings.length);
    const [exact, live] = timingsOf(id);
    parts.push((exact ?? live).length, Boolean(exact));
    // While it goes, time moves on: the "now" line and the axis, when they are seen.
    if (run.status === "running" && visible) parts.push(Math.round(performance.now() / 50));
  }
  return parts.join();
}

function draw(force = false) {
  const started = performance.now();
  const { width, height } = boxSize;
  const visible = width > 0 && height > 0;
  const sig = signature(width, height);
  if (!force && sig === drawnSignature) return 0;
  const runs = prepare(timeline.mode);
  pruneKept(runs);
  fillPhases(runs);
  const preparedAt = performance.now();
  timeline.runs = runs.map(({ run, rows, lanes, phases, final }) => ({
    id: run.id,
    key: `${run.scenario}@${run.server}`,
    n: run.n,
    status: run.status,
    final,
    rows,
    lanes: lanes.map(({ pid, thread, lines, views }) => ({ pid, thread, lines, views: views.length })),
    phases,
  }));
  drawnSignature = sig;
  if (!visible) return 0;
  const scale = devicePixelRatio || 1;
  if (canvas.width !== Math.round(width * scale) || canvas.height !== Math.round(height * scale)) {
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
  }
  const ctx = canvas.getContext("2d");
  const fresh = !palette;
  if (!palette) {
    palette = readPalette();
    palette.hatch = hatch(ctx, palette, scale);
  }
  if (!runs.length) {
    paintEmpty(ctx, width, height, scale, palette);
    lastLayout = null;
  } else {
    const reserve = toolsWidth + 8;
    // The canvas's text follows the page's, which grows on big screens (site.css).
    if (rem == null) rem = parseFloat(getComputedStyle(document.documentElement).fontSize) || 15;
    const fontPx = Math.round(rem * 0.75);
    const now = elapsedNow(runs);
    lastLayout = paint(ctx, width, height, scale, runs, timeline.mode, palette, { now, reserve, fontPx });
    timeline.colours = lastLayout.colours;
  }
  canvas.setAttribute("aria-label", describe(runs));
  const ms = performance.now() - started;
  const { cost } = timeline;
  cost.redraws += 1;
  cost.lastMs = ms;
  cost.maxMs = Math.max(cost.maxMs, ms);
  const rows = runs.reduce((sum, r) => sum + r.rows.length, 0);
  cost.recent.push({ ms, prepareMs: preparedAt - started, fresh, rows });
  if (cost.recent.length > KEPT_COSTS) cost.recent.shift();
  return ms;
}

/** Called on every redraw of the page: fetch spans while a shown run goes, draw if anything changed. */
export function drawTimeline() {
  const going = [state.current, state.rival?.id].filter((id) => state.runs.get(id)?.status === "running");
  if (going.length && paneShown()) poll(going);
  draw();
}

/** Redraw when the panel's box or the theme changes, or the page is shown again. */
export function watchScreen() {
  new ResizeObserver(([entry]) => {
    const { width, height } = entry.contentRect;
    boxSize = { width, height };
    drawnSignature = "";
    scheduleRedraw();
  }).observe(box);
  new ResizeObserver(([entry]) => {
    toolsWidth = entry.contentRect.width;
  }).observe(tools);
  document.addEventListener("themechange", () => {
    palette = null;
    drawnSignature = "";
    scheduleRedraw();
  });
  document.addEventListener("visibilitychange", scheduleRedraw);
  window.addEventListener("resize", () => {
    rem = null;
  });
}
