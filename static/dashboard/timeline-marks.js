/* The timeline's marks: the key, a run's rows (waiting hatched, in view in its process's colour,
 * returning thin; a request that reached no view, its client side outlined) and its thread
 * lanes, batched into one path per style.
 */
import { failed } from "./timeline-data.js";

const MAX_ROW_EM = 2; // a few requests get bars, not slabs: rows at most twice the text's size
export const FONT = "system-ui, 'Segoe UI', Roboto, 'Noto Sans', 'DejaVu Sans', sans-serif";

/** The key: what each mark means, and the colour of each worker process. Answers its height. */
export function drawKey(ctx, p, x0, y, width, { pids, hasFailed, hasUnseen, hasPending, mode, fontPx, reserve }) {
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

/** Row i of n in [y0, y0 + h): whole device pixels, one at least, a gap when there is room. */
function rowBox(band, i, rowH, scale) {
  const y = Math.floor((band.y0 + i * rowH) * scale) / scale;
  const end = Math.floor((band.y0 + (i + 1) * rowH) * scale) / scale;
  const gap = rowH >= 4 ? 1 : 0;
  return [y, Math.max(1 / scale, end - y - gap)];
}

export function paintRows(ctx, band, shown, rowsH, xOf, colourOf, p) {
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

export function paintLanes(ctx, band, shown, rowsH, xOf, colourOf, p, fontPx) {
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
