/* The timeline's picture, for the panel and the PNG alike: the theme's colours and hatching, the
 * time axis and its grid, a band per run (marks: timeline-marks.js) and the "now" line. A plain
 * canvas: at n = 1000 a redraw is a few milliseconds, where Chart.js floating bars take tens.
 */
import { cssVar, keyLabel, shortNumber } from "./format.js";
import { failed } from "./timeline-data.js";
import { drawKey, FONT, paintLanes, paintRows } from "./timeline-marks.js";
import { plural } from "./timeline-text.js";

// One colour per worker process, in pid order; red stays for errors. Read in both themes.
const PROCESS_COLOURS = {
  light: ["#1f5fd1", "#0c7c59", "#8e44ad", "#b35c00", "#0f7f8c", "#a3326b", "#5a6b00", "#4b5563"],
  dark: ["#6ea8ff", "#3fcf8e", "#c58af0", "#f0a04b", "#4fd1dd", "#f07aa8", "#b5c93b", "#b0b8c4"],
};

export function readPalette() {
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
export function hatch(ctx, p, scale) {
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

/**
 * Draw the runs on ctx, width x height in CSS pixels at scale device pixels each. title, when
 * given, is drawn at the top (the PNG export). Answers the layout, for hovering.
 */
export function paint(ctx, width, height, scale, runs, mode, p, options = {}) {
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

/** No run to show: the panel says how to get one. */
export function paintEmpty(ctx, width, height, scale, p) {
  ctx.setTransform(scale, 0, 0, scale, 0, 0);
  ctx.fillStyle = p.panel;
  ctx.fillRect(0, 0, width, height);
  ctx.fillStyle = p.muted;
  ctx.font = `12px ${FONT}`;
  ctx.textBaseline = "middle";
  ctx.fillText("Fire a run, or pick one in Runs: each request's life shows here.", 10, height / 2);
}
