/* The timeline: every request's life on one time axis, seconds after its run fired. One row
 * per request, in the order they were sent: waiting (sent -> entered its view, hatched), in
 * the view (entered -> left, coloured by the worker process that ran it), returning (left ->
 * answered, a thin bar). Requests that never reached a view show their client side only. "By
 * thread" draws a lane per thread instead, with the views each one ran.
 *
 * The client side (timings) comes from the frames and the runs API, the view side (spans) from
 * the probe through the runs API: GET /runs/<id>/ once a run ends, and at most every POLL_MS
 * while it goes and the timeline is shown. A plain canvas: at n = 1000 a redraw is a few
 * milliseconds, where Chart.js floating bars take tens. The card's "waiting, in view" block is
 * filled here too. window.dashboard.timeline shows what was drawn and what drawing cost.
 */
import { getJson, runUrl } from "./api.js";
import { cssVar, download, keyLabel, shortNumber } from "./format.js";
import { scheduleRedraw } from "./redraw.js";
import { shape, state } from "./state.js";

// Spans while a run goes: GET /runs/<id>/ costs the dashboard under 10 ms at n = 1000.
const POLL_MS = 500;
const MAX_ROW_EM = 2; // a few requests get bars, not slabs: rows at most twice the text's size
const KEPT_COSTS = 200;
const FONT = "system-ui, 'Segoe UI', Roboto, 'Noto Sans', 'DejaVu Sans', sans-serif";

// One colour per worker process, in pid order; red stays for errors. Read in both themes.
const PROCESS_COLOURS = {
  light: ["#1f5fd1", "#0c7c59", "#8e44ad", "#b35c00", "#0f7f8c", "#a3326b", "#5a6b00", "#4b5563"],
  dark: ["#6ea8ff", "#3fcf8e", "#c58af0", "#f0a04b", "#4fd1dd", "#f07aa8", "#b5c93b", "#b0b8c4"],
};

const canvas = document.getElementById("timeline");
const box = canvas.parentElement;
const tip = document.getElementById("timeline-tip");
const byThread = document.getElementById("timeline-by");
const tools = byThread.parentElement;

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
    prepared.clear();
    return draw(true);
  },
};

// Spans (and timings) fetched while a run goes, by run id: {timings, spans, at, pending}.
const polled = new Map();
let drawnSignature = "";
let palette = null;
let lastLayout = null;
// Sizes from the ResizeObserver: reading them from the DOM in a redraw would force a layout.
let boxSize = { width: 0, height: 0 };
let toolsWidth = 0;
let rem = null; // the page's text size, which follows the window's width (site.css)

// ---------------------------------------------------------------- data

/** A run's requests as rows: its timings joined with its spans by index. */
function joinRows(run, timings, spans) {
  // A row for every request, blank until something is known of it.
  const rows = [];
  for (let index = 0; index < run.n; index++) {
    const client = { sent: null, answered: null, status: null, kind: null };
    rows.push({ index, ...client, entered: null, left: null, pid: null, thread: null });
  }
  for (const [index, sent, answered, status, kind] of timings) {
    const row = rows[index];
    if (!row) continue;
    row.sent = sent;
    row.answered = answered;
    row.status = status;
    row.kind = kind;
  }
  for (const [index, entered, left, pid, thread] of spans) {
    const row = rows[index];
    if (!row) continue;
    row.entered = entered;
    row.left = left;
    row.pid = pid;
    row.thread = thread;
  }
  // The load generator starts its requests in index order, so until all are answered the
  // index is the send order; then the send times themselves say it.
  if (rows.every((r) => r.sent != null)) rows.sort((a, b) => a.sent - b.sent || a.index - b.index);
  return rows;
}

/** Lanes, one per thread that ran a view, each with its views packed into as few lines as
 * they need: a thread that runs one view at a time has one line, an event loop's has many. */
function threadLanes(rows) {
  const byThread = new Map();
  for (const r of rows) {
    if (r.entered == null) continue;
    const key = `${r.pid}/${r.thread}`;
    if (!byThread.has(key)) byThread.set(key, { pid: r.pid, thread: r.thread, views: [] });
    byThread.get(key).views.push(r);
  }
  const lanes = [...byThread.values()];
  for (const lane of lanes) {
    lane.views.sort((a, b) => a.entered - b.entered);
    lane.first = lane.views[0].entered;
    // Interval partitioning: a view goes on the line that came free first, if it is free by
    // then, else on a new line. The lines' ends in a min-heap: n log n for a loop's 1000 views.
    const heap = []; // [end, line]
    const below = (i, j) => heap[i][0] < heap[j][0];
    const swap = (i, j) => ([heap[i], heap[j]] = [heap[j], heap[i]]);
    const push = (item) => {
      heap.push(item);
      for (let i = heap.length - 1, up = (i - 1) >> 1; i > 0 && below(i, up); i = up, up = (i - 1) >> 1) {
        swap(i, up);
      }
    };
    const replaceTop = (item) => {
      heap[0] = item;
      for (let i = 0; ; ) {
        const [l, r] = [2 * i + 1, 2 * i + 2];
        let m = i;
        if (l < heap.length && below(l, m)) m = l;
        if (r < heap.length && below(r, m)) m = r;
        if (m === i) break;
        swap(i, m);
        i = m;
      }
    };
    let lines = 0;
    for (const view of lane.views) {
      if (heap.length && heap[0][0] <= view.entered + 1e-4) {
        view.line = heap[0][1];
        replaceTop([view.left, view.line]);
      } else {
        view.line = lines++;
        push([view.left, view.line]);
      }
    }
    lane.lines = lines;
  }
  lanes.sort((a, b) => a.pid - b.pid || a.first - b.first);
  return lanes;
}

const failed = (r) => r.status === 0 || r.status >= 400;

/** The current run and, in a race, its rival: what the timeline shows. */
function shownRuns() {
  if (state.cleared) return []; // reset (R): the charts forget the run until another is shown
  const ids = [state.current, state.rival?.id].filter((id) => id != null && state.runs.has(id));
  return ids.map((id) => {
    const run = state.runs.get(id);
    const isCurrent = id === state.current;
    const exact = isCurrent ? state.timings : state.rival.timings;
    let timings = exact ?? (isCurrent ? state.liveTimings : state.rival.live);
    const fresh = polled.get(id);
    const finalSpans = run.status !== "running" ? run.spans : null;
    const spans = finalSpans ?? fresh?.spans ?? run.spans ?? [];
    // The frames kept may have missed some answers (a reload, a reset): the API has them all.
    if (!exact && fresh && fresh.timings.length > timings.length) timings = fresh.timings;
    if (finalSpans && fresh) polled.delete(id);
    // Final: the run has ended and its saved timings and spans are in.
    const final = Boolean(finalSpans) && Boolean(exact);
    return { run, timings, spans, final };
  });
}

// Nearest rank, as the server's phases (dashboard/runs/phases.py) and the durations chart.
function spread(values) {
  if (!values.length) return null;
  values.sort((a, b) => a - b);
  const rank = (q) => values[Math.max(0, Math.ceil(q * values.length) - 1)];
  return { p50: rank(0.5), p95: rank(0.95), max: values.at(-1) };
}

/** The run's phases as the server derives them, from the rows known so far. */
function phasesOf(rows) {
  const waiting = [];
  const inView = [];
  const processes = new Set();
  const threads = new Set();
  for (const r of rows) {
    if (r.entered == null) continue;
    processes.add(r.pid);
    threads.add(`${r.pid}/${r.thread}`);
    if (r.sent == null) continue;
    waiting.push(Math.max(0, r.entered - r.sent));
    inView.push(r.left - r.entered);
  }
  return {
    waiting_s: spread(waiting),
    in_view_s: spread(inView),
    reached_view: inView.length,
    processes: processes.size,
    threads: threads.size,
  };
}

// ---------------------------------------------------------------- polling

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

// ---------------------------------------------------------------- the card

const seconds2 = (s) => s.toFixed(2);
const plural = (n, word) => `${n} ${word}${n === 1 ? "" : word.endsWith("s") ? "es" : "s"}`;
const ranOnText = (phases) => `${plural(phases.processes, "process")}, ${plural(phases.threads, "thread")}`;

function fillPhases(runsShown) {
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

// ---------------------------------------------------------------- drawing

function readPalette() {
  const dark = document.documentElement.dataset.theme === "dark";
  const p = {
    dark,
    panel: cssVar("--panel"),
    fg: cssVar("--fg"),
    muted: cssVar("--muted"),
    grid: cssVar("--grid"),
    border: cssVar("--border"),
    alarm: cssVar("--alarm"),
    processes: PROCESS_COLOURS[dark ? "dark" : "light"],
  };
  return p;
}

// Waiting is hatched: it reads without colour, on screen, on a projector and in print.
function hatch(ctx, p, scale) {
  const size = Math.max(4, Math.round(5 * scale));
  const tile = document.createElement("canvas");
  tile.width = tile.height = size;
  const t = tile.getContext("2d");
  t.fillStyle = `${p.muted}${p.dark ? "40" : "30"}`;
  t.fillRect(0, 0, size, size);
  t.strokeStyle = p.muted;
  t.lineWidth = Math.max(1, scale);
  t.beginPath();
  // A diagonal, and the corners of its neighbours, so that tiles join into unbroken stripes.
  t.moveTo(0, size);
  t.lineTo(size, 0);
  t.moveTo(-1, 1);
  t.lineTo(1, -1);
  t.moveTo(size - 1, size + 1);
  t.lineTo(size + 1, size - 1);
  t.stroke();
  // Drawn in device pixels: undo the context's scale so that the stripes stay sharp.
  const pattern = ctx.createPattern(tile, "repeat");
  pattern.setTransform(new DOMMatrix().scale(1 / scale));
  return pattern;
}

function niceStep(range, most) {
  const rough = range / most;
  const power = 10 ** Math.floor(Math.log10(rough));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * power >= rough) return m * power;
  return 10 * power;
}

const runLabel = (run) =>
  `#${run.id} ${keyLabel(`${run.scenario}@${run.server}`)}, × ${run.n}, delay ${shortNumber(run.delay)} s`;

/** The key: what each mark means, and the colour of each worker process. Answers its height. */
function drawKey(ctx, p, x0, y, width, { pids, hasFailed, hasUnseen, hasPending, mode, fontPx, reserve }) {
  const items = [];
  if (mode === "requests") items.push({ kind: "waiting", text: "waiting" });
  items.push({ kind: "view", text: pids.length > 1 ? "in view, by process:" : "in view" });
  if (pids.length > 1) {
    for (const [i, pid] of pids.entries()) {
      items.push({ kind: "pid", colour: p.processes[i % p.processes.length], text: `pid ${pid}` });
    }
  }
  if (mode === "requests") {
    items.push({ kind: "returning", text: "returning" });
    if (hasFailed) items.push({ kind: "failed", text: "no view: error" });
    if (hasUnseen) items.push({ kind: "unseen", text: "no view reported" });
    if (hasPending) items.push({ kind: "pending", text: "view not reported yet" });
  }
  const sw = Math.round(fontPx * 1.1);
  const lineH = Math.round(fontPx * 1.45);
  let x = x0;
  let line = 0;
  ctx.font = `${fontPx}px ${FONT}`;
  ctx.textBaseline = "middle";
  for (const item of items) {
    const swatch = item.kind === "view" && pids.length > 1 ? 0 : sw + 4;
    const w = swatch + ctx.measureText(item.text).width + 12;
    // The first line leaves room for the buttons over the canvas's top right corner.
    if (x > x0 && x + w > x0 + width - (line === 0 ? reserve : 0)) {
      x = x0;
      line += 1;
    }
    const cy = y + line * lineH + lineH / 2;
    const top = cy - sw / 2 + 1;
    if (item.kind === "waiting") {
      ctx.fillStyle = p.hatch;
      ctx.fillRect(x, top, sw, sw - 2);
    } else if (item.kind === "view" && pids.length <= 1) {
      // With several processes, "in view, by process:" has no colour of its own: its pids follow.
      ctx.fillStyle = p.processes[0];
      ctx.fillRect(x, top, sw, sw - 2);
    } else if (item.kind === "pid") {
      ctx.fillStyle = item.colour;
      ctx.fillRect(x, top, sw, sw - 2);
    } else if (item.kind === "returning") {
      ctx.fillStyle = p.fg;
      ctx.fillRect(x, cy - 1, sw, 2);
    } else if (item.kind === "failed") {
      ctx.fillStyle = `${p.alarm}55`;
      ctx.fillRect(x, top, sw, sw - 2);
      ctx.strokeStyle = p.alarm;
      ctx.lineWidth = 1.5;
      ctx.strokeRect(x + 0.75, top + 0.75, sw - 1.5, sw - 3.5);
    } else if (item.kind === "unseen" || item.kind === "pending") {
      ctx.strokeStyle = p.muted;
      ctx.lineWidth = 1;
      ctx.setLineDash(item.kind === "unseen" ? [3, 2] : []);
      ctx.strokeRect(x + 0.5, top + 0.5, sw - 1, sw - 3);
      ctx.setLineDash([]);
    }
    ctx.fillStyle = p.fg;
    ctx.fillText(item.text, x + swatch, cy);
    x += w;
  }
  return (line + 1) * lineH;
}

/**
 * Draw the runs on ctx, width x height in CSS pixels at scale device pixels each. title, when
 * given, is drawn at the top (the PNG export). Answers the layout, for hovering.
 */
function paint(ctx, width, height, scale, runs, mode, p, options = {}) {
  const { title = null, now = null, reserve = 0, fontPx = 11 } = options;
  ctx.setTransform(scale, 0, 0, scale, 0, 0);
  ctx.fillStyle = p.panel;
  ctx.fillRect(0, 0, width, height);
  let top = 2;
  if (title) {
    ctx.fillStyle = p.fg;
    ctx.textBaseline = "top";
    ctx.font = `700 ${fontPx + 4}px ${FONT}`;
    ctx.fillText(title[0], 8, top + 4);
    ctx.font = `${fontPx}px ${FONT}`;
    ctx.fillStyle = p.muted;
    for (const [i, line] of title.slice(1).entries()) ctx.fillText(line, 8, top + 26 + i * (fontPx + 5));
    top += 26 + (title.length - 1) * (fontPx + 5) + 4;
  }
  const pids = [...new Set(runs.flatMap((r) => r.rows.map((x) => x.pid)))].filter((pid) => pid != null);
  pids.sort((a, b) => a - b);
  const colourOf = new Map(pids.map((pid, i) => [pid, p.processes[i % p.processes.length]]));
  const anyRows = runs.flatMap((r) => r.rows);
  const running = runs.some((r) => r.run.status === "running");
  const flags = {
    pids,
    mode,
    fontPx,
    reserve,
    hasFailed: anyRows.some((r) => r.entered == null && r.sent != null && failed(r)),
    hasUnseen: anyRows.some((r) => r.entered == null && r.sent != null && !failed(r) && !running),
    hasPending: running && anyRows.some((r) => r.entered == null && r.sent != null && !failed(r)),
  };
  top += drawKey(ctx, p, 8, top, width - 16, flags) + 2;

  // The time axis: every run from its firing, to its last answer (or now, while it goes).
  let tMax = 0;
  for (const r of anyRows) tMax = Math.max(tMax, r.answered ?? 0, r.left ?? 0);
  if (now != null) tMax = Math.max(tMax, now);
  tMax = Math.max(tMax * 1.02, 0.1);
  const axisH = fontPx + 8;
  let gutter = 6;
  if (mode === "threads") {
    ctx.font = `${fontPx}px ${FONT}`;
    const labels = runs.flatMap((r) => r.lanes.map((lane) => `thread ${lane.thread}`));
    const widest = Math.max(0, ...labels.map((label) => ctx.measureText(label).width));
    gutter = Math.ceil(widest) + 10;
  }
  const x0 = gutter;
  const x1 = width - 10;
  const xOf = (t) => x0 + (t / tMax) * (x1 - x0);
  const bottom = height - axisH;

  // Ticks and grid lines.
  const step = niceStep(tMax, Math.max(2, Math.floor((x1 - x0) / 55)));
  ctx.strokeStyle = p.grid;
  ctx.lineWidth = 1;
  ctx.fillStyle = p.muted;
  ctx.font = `${fontPx}px ${FONT}`;
  ctx.textBaseline = "top";
  ctx.textAlign = "center";
  ctx.beginPath();
  for (let t = 0; t <= tMax + 1e-9; t += step) {
    const x = Math.round(xOf(t)) + 0.5;
    ctx.moveTo(x, top);
    ctx.lineTo(x, bottom);
    ctx.fillText(`${shortNumber(t)} s`, Math.min(Math.max(x, x0 + 12), x1 - 12), bottom + 4);
  }
  ctx.stroke();
  ctx.textAlign = "left";

  // The bands, one per run, one above the other.
  const headH = Math.round(fontPx * 1.45);
  const bandGap = runs.length > 1 ? 6 : 0;
  const bandH = (bottom - top - bandGap * (runs.length - 1)) / Math.max(1, runs.length);
  const bands = [];
  for (const [b, shown] of runs.entries()) {
    const y0 = top + b * (bandH + bandGap);
    const answered = shown.rows.filter((r) => r.answered != null).length;
    ctx.fillStyle = p.fg;
    ctx.font = `600 ${fontPx}px ${FONT}`;
    ctx.textBaseline = "middle";
    const going = shown.run.status === "running";
    const count = going ? `${answered} of ${shown.run.n} answered` : `${shown.run.n} requests`;
    const head =
      mode === "threads"
        ? `${runLabel(shown.run)}: ${plural(shown.lanes.length, "thread")} ran its views`
        : `${runLabel(shown.run)}: ${count}, first sent on top`;
    ctx.fillText(head, x0, y0 + headH / 2, x1 - x0);
    const rowsTop = y0 + headH;
    const rowsH = bandH - headH;
    const band = { run: shown.run, y0: rowsTop, y1: rowsTop + rowsH, mode, fontPx };
    if (mode === "threads") paintLanes(ctx, band, shown, rowsH, xOf, colourOf, p, fontPx);
    else paintRows(ctx, band, shown, rowsH, xOf, colourOf, p);
    bands.push(band);
  }
  if (now != null) {
    const x = Math.round(xOf(now)) + 0.5;
    ctx.strokeStyle = p.fg;
    ctx.setLineDash([4, 3]);
    ctx.beginPath();
    ctx.moveTo(x, top);
    ctx.lineTo(x, bottom);
    ctx.stroke();
    ctx.setLineDash([]);
  }
  return { bands, xOf, x0, x1, tMax, width, height, colours: Object.fromEntries(colourOf) };
}

/** Row i of n in [y0, y0 + h): whole device pixels, one at least, a gap when there is room. */
function rowBox(band, i, rowH, scale) {
  const y = Math.floor((band.y0 + i * rowH) * scale) / scale;
  const end = Math.floor((band.y0 + (i + 1) * rowH) * scale) / scale;
  const gap = rowH >= 4 ? 1 : 0;
  return [y, Math.max(1 / scale, end - y - gap)];
}

function paintRows(ctx, band, shown, rowsH, xOf, colourOf, p) {
  const scale = ctx.getTransform().a;
  const { rows } = shown;
  const rowH = Math.min(MAX_ROW_EM * band.fontPx, rowsH / Math.max(1, rows.length));
  band.rowH = rowH;
  band.rows = rows;
  // Batched by style: one path per colour, whatever n.
  const paths = new Map();
  const add = (style, x, y, w, h) => {
    if (!paths.has(style)) paths.set(style, new Path2D());
    paths.get(style).rect(x, y, Math.max(w, 1 / scale), h);
  };
  const failedOutline = new Path2D();
  const unseen = new Path2D();
  const running = shown.run.status === "running";
  for (const [i, r] of rows.entries()) {
    const [y, h] = rowBox(band, i, rowH, scale);
    if (r.entered != null) {
      const sentX = r.sent == null ? null : xOf(r.sent);
      const inX = xOf(r.entered);
      const outX = xOf(r.left);
      if (sentX != null && inX > sentX) add("waiting", sentX, y, inX - sentX, h);
      add(colourOf.get(r.pid), inX, y, outX - inX, h);
      if (r.answered != null && r.answered > r.left) {
        const thin = Math.max(1 / scale, Math.round(h * 0.4 * scale) / scale);
        add("returning", outX, y + (h - thin) / 2, xOf(r.answered) - outX, thin);
      }
    } else if (r.sent != null) {
      const x = xOf(r.sent);
      const w = Math.max(xOf(r.answered) - x, 1 / scale);
      if (failed(r)) {
        add("failed", x, y, w, h);
        failedOutline.rect(x, y, w, h);
      } else {
        unseen.rect(x, y, w, h);
        if (running) add("pending", x, y, w, h);
      }
    }
  }
  for (const [style, path] of paths) {
    ctx.fillStyle =
      style === "waiting" ? p.hatch
      : style === "returning" ? p.fg
      : style === "failed" ? `${p.alarm}55`
      : style === "pending" ? `${p.muted}22`
      : style;
    ctx.fill(path);
  }
  ctx.lineWidth = 1 / scale;
  ctx.strokeStyle = p.alarm;
  ctx.stroke(failedOutline);
  ctx.strokeStyle = p.muted;
  if (!running) ctx.setLineDash([3, 2]);
  ctx.stroke(unseen);
  ctx.setLineDash([]);
}

function paintLanes(ctx, band, shown, rowsH, xOf, colourOf, p, fontPx) {
  const scale = ctx.getTransform().a;
  const lines = shown.lanes.reduce((sum, lane) => sum + lane.lines, 0);
  const laneGap = shown.lanes.length > 1 ? 2 : 0;
  const lineH = Math.min(MAX_ROW_EM * fontPx, (rowsH - laneGap * shown.lanes.length) / Math.max(1, lines));
  band.lineH = lineH;
  band.lanes = [];
  let y = band.y0;
  ctx.font = `${fontPx}px ${FONT}`;
  ctx.textBaseline = "middle";
  const paths = new Map();
  const edges = new Path2D();
  for (const lane of shown.lanes) {
    const laneBand = { y0: y };
    const h = lane.lines * lineH;
    for (const view of lane.views) {
      const [vy, vh] = rowBox(laneBand, view.line, lineH, scale);
      const colour = colourOf.get(lane.pid);
      if (!paths.has(colour)) paths.set(colour, new Path2D());
      const x = xOf(view.entered);
      const w = Math.max(xOf(view.left) - x, 1 / scale);
      paths.get(colour).rect(x, vy, w, vh);
      // Back-to-back views on one thread: a panel-coloured edge tells where one ends.
      if (lane.lines === 1) edges.rect(x, vy, 1 / scale, vh);
    }
    band.lanes.push({ ...lane, y0: y, y1: y + h });
    if (h >= fontPx) {
      ctx.fillStyle = p.fg;
      ctx.fillText(`thread ${lane.thread}`, 4, y + Math.min(h, fontPx * 1.4) / 2);
    }
    y += h + laneGap;
  }
  for (const [colour, path] of paths) {
    ctx.fillStyle = colour;
    ctx.fill(path);
  }
  ctx.fillStyle = p.panel;
  ctx.fill(edges);
}

// The rows of each run, kept until its timings, spans or status change: while a run goes, the
// page redraws for the "now" line more often than new data comes.
const prepared = new Map(); // run id -> {inputs, shown}

/** The runs shown, joined (and laned, by thread) for the mode. */
function prepare() {
  const mode = timeline.mode;
  return shownRuns().map(({ run, timings, spans, final }) => {
    const inputs = [timings, timings.length, spans, spans.length, run.status, final, mode];
    const kept = prepared.get(run.id);
    if (kept && kept.inputs.every((value, i) => value === inputs[i])) {
      kept.shown.run = run;
      return kept.shown;
    }
    const rows = joinRows(run, timings, spans);
    const lanes = mode === "threads" ? threadLanes(rows) : [];
    const shown = { run, rows, timings, final, lanes, phases: phasesOf(rows) };
    prepared.set(run.id, { inputs, shown });
    return shown;
  });
}

function elapsedNow(runs) {
  const going = runs.map((r) => r.run).filter((run) => run.status === "running" && run.receivedAt);
  if (!going.length) return null;
  const elapsed = (run) => run.elapsed_s + (performance.now() - run.receivedAt) / 1000;
  return Math.max(0, ...going.map(elapsed));
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
    const [exact, live] =
      id === state.current ? [state.timings, state.liveTimings] : [state.rival.timings, state.rival.live];
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
  const runs = prepare();
  if (prepared.size > 2 * runs.length) {
    for (const id of prepared.keys()) if (!runs.some((r) => r.run.id === id)) prepared.delete(id);
  }
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
    ctx.setTransform(scale, 0, 0, scale, 0, 0);
    ctx.fillStyle = palette.panel;
    ctx.fillRect(0, 0, width, height);
    ctx.fillStyle = palette.muted;
    ctx.font = `12px ${FONT}`;
    ctx.textBaseline = "middle";
    ctx.fillText("Fire a run, or pick one in Runs: each request's life shows here.", 10, height / 2);
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

function describe(runs) {
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

/** Called on every redraw of the page: fetch spans while a shown run goes, draw if anything changed. */
export function drawTimeline() {
  const going = [state.current, state.rival?.id].filter((id) => state.runs.get(id)?.status === "running");
  if (going.length && paneShown()) poll(going);
  draw();
}

// ---------------------------------------------------------------- hover, export, wiring

const at = (t) => (t == null ? "–" : `${t.toFixed(3)} s`);

function describeRow(run, r) {
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

function hit(x, y) {
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

/** The timeline as a PNG: larger than on screen, with a title naming the runs. */
export function exportTimeline() {
  const runs = prepare();
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

export function wireTimeline() {
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
  canvas.addEventListener("mousemove", showTip);
  canvas.addEventListener("mouseleave", () => {
    tip.hidden = true;
  });
  byThread.addEventListener("click", () => {
    timeline.mode = timeline.mode === "threads" ? "requests" : "threads";
    byThread.setAttribute("aria-pressed", String(timeline.mode === "threads"));
    tip.hidden = true;
    drawnSignature = "";
    scheduleRedraw();
  });
  document.getElementById("timeline-png").addEventListener("click", exportTimeline);
}
