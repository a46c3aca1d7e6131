/* The two charts: in flight vs in view over time, and each request's duration. Chart.js comes
 * from its pinned CDN URL, checked by its integrity hash, or else from the site's own copy.
 * Animations are off and datasets are replaced in place: a redraw is one synchronous draw.
 */
import { cssVar, download, hslToHex, seconds, shortNumber } from "./format.js";

const CDN_TIMEOUT_MS = 3000; // a Wi-Fi that swallows packets must not keep the charts away

function loadScript(src, attributes) {
  return new Promise((resolve, reject) => {
    const element = Object.assign(document.createElement("script"), attributes, { src });
    element.onload = () => resolve(true);
    element.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.append(element);
  });
}

/** Load Chart.js; answers where it came from: "cdn" or "local". */
export async function loadChartJs({ chartjsCdn, chartjsIntegrity, chartjsLocal }) {
  const cdn = loadScript(chartjsCdn, { integrity: chartjsIntegrity, crossOrigin: "anonymous" });
  const timeout = new Promise((resolve) => setTimeout(resolve, CDN_TIMEOUT_MS, false));
  if (await Promise.race([cdn.catch(() => false), timeout])) return "cdn";
  await loadScript(chartjsLocal, {});
  return "local";
}

// Painted first, so a downloaded PNG has the panel's background instead of transparency.
const backgroundPlugin = {
  id: "panelBackground",
  beforeDraw(chart) {
    const { ctx, width, height } = chart;
    ctx.save();
    ctx.fillStyle = palette.panel;
    ctx.fillRect(0, 0, width, height);
    ctx.restore();
  },
};

// Frames are due every 100 ms; a longer gap means the server's loop could not send them.
const gapPlugin = {
  id: "frameGaps",
  beforeDatasetsDraw(chart) {
    const gaps = chart.$frameGaps ?? [];
    if (!gaps.length) return;
    const { ctx, chartArea, scales } = chart;
    ctx.save();
    ctx.beginPath();
    ctx.rect(chartArea.left, chartArea.top, chartArea.width, chartArea.height);
    ctx.clip();
    ctx.font = "600 12px system-ui, sans-serif";
    for (const { from, to } of gaps) {
      const left = scales.x.getPixelForValue(from);
      const right = scales.x.getPixelForValue(to);
      ctx.fillStyle = `${palette.alarm}2e`;
      ctx.fillRect(left, chartArea.top, right - left, chartArea.height);
      if (right - left > 70) {
        ctx.fillStyle = palette.alarm;
        ctx.fillText(`no frames ${(to - from).toFixed(1)} s`, left + 4, chartArea.top + 14);
      }
    }
    ctx.restore();
  },
};

// Where runs start and end: a dashed line in the run's colour, labelled at the top.
const markerPlugin = {
  id: "runMarkers",
  afterDatasetsDraw(chart) {
    const markers = chart.$markers ?? [];
    if (!markers.length) return;
    const { ctx, chartArea, scales } = chart;
    ctx.save();
    ctx.font = "600 11px system-ui, sans-serif";
    ctx.setLineDash([4, 3]);
    ctx.lineWidth = 1.5;
    markers.forEach(({ x, label, color }, i) => {
      const px = scales.x.getPixelForValue(x);
      if (px < chartArea.left || px > chartArea.right) return;
      ctx.strokeStyle = ctx.fillStyle = color;
      ctx.beginPath();
      ctx.moveTo(px, chartArea.top);
      ctx.lineTo(px, chartArea.bottom);
      ctx.stroke();
      // At the bottom, clear of the gap labels at the top; staggered, so the labels of two
      // runs that start together stay readable.
      ctx.fillText(label, px + 3, chartArea.bottom - 4 - (i % 2) * 13);
    });
    ctx.restore();
  },
};

function axis(title, extra = {}) {
  return {
    type: "linear",
    title: { display: true, text: title, color: cssVar("--muted") },
    grid: { color: cssVar("--grid") },
    ...extra,
    ticks: { color: cssVar("--muted"), maxTicksLimit: 8, ...extra.ticks },
  };
}

// The theme's colours, read once per theme: reading CSS on every draw costs a style recalculation.
const PALETTE = ["panel", "fg", "muted", "grid", "accent", "alarm", "ok", "warn", "sync"];
let palette = {};

// One colour per scenario, spread around the hue circle by the golden angle so that
// scenarios next to each other in the registry, the usual rivals, never look alike.
function scenarioColor(index, dark) {
  return hslToHex((index * 137.508) % 360, 75, dark ? 66 : 40);
}

/** Both charts, coloured from the current theme. */
export function createCharts(scenarios) {
  const { Chart } = window;
  palette = Object.fromEntries(PALETTE.map((name) => [name, cssVar(`--${name}`)]));
  // Charts follow the page's type size, which grows on big screens (site.css).
  const rem = parseFloat(getComputedStyle(document.documentElement).fontSize);
  Chart.defaults.font.size = Math.round(rem * 0.87);
  Chart.defaults.color = cssVar("--fg");
  const common = {
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    parsing: false,
    normalized: true,
    interaction: { mode: "nearest", intersect: false },
    plugins: {
      legend: {
        labels: {
          boxWidth: 18,
          boxHeight: 3,
          padding: 8,
          color: cssVar("--fg"),
          filter: (item, data) => data.datasets[item.datasetIndex].data.length > 0,
        },
      },
    },
  };
  const live = new Chart(document.getElementById("chart-live"), {
    type: "line",
    data: { datasets: [] },
    plugins: [backgroundPlugin, gapPlugin, markerPlugin],
    options: {
      ...common,
      // A frame holds the most seen since the previous one: a step over that interval.
      elements: { point: { radius: 0 }, line: { borderWidth: 2.5, stepped: "before" } },
      scales: {
        x: axis("seconds", {
          ticks: {
            callback(v) {
              return v === 0 && !this.chart.$replay ? "now" : `${shortNumber(v)} s`;
            },
          },
        }),
        y: axis("requests (max per 100 ms)", { beginAtZero: true, suggestedMax: 10 }),
      },
    },
  });
  const durations = new Chart(document.getElementById("chart-durations"), {
    type: "scatter",
    data: { datasets: [] },
    plugins: [backgroundPlugin],
    options: {
      ...common,
      scales: {
        x: axis("finished at (s after the run started)", { beginAtZero: true }),
        y: axis("duration (s)", { beginAtZero: true }),
      },
    },
  });
  const dark = document.documentElement.dataset.theme === "dark";
  const colors = new Map(scenarios.map((s, i) => [s.slug, scenarioColor(i, dark)]));
  return { live, durations, colors, palette, pairs: new Map(), background: null };
}

// Two datasets per scenario; the in-flight line fills down to the in-view line: the queue.
function pairFor(charts, slug) {
  let pair = charts.pairs.get(slug);
  if (!pair) {
    const color = charts.colors.get(slug) ?? charts.palette.muted;
    pair = [
      {
        label: `${slug} in flight (requests)`,
        borderColor: color,
        borderDash: [6, 4],
        backgroundColor: `${color}33`,
        fill: "+1",
      },
      { label: `${slug} in view (requests)`, borderColor: color, backgroundColor: color, fill: false },
    ];
    charts.pairs.set(slug, pair);
  }
  return pair;
}

/**
 * Redraw the live chart from frames, x relative to ref (the newest frame, or a picked run's
 * start): slugs are the scenarios to show, gapS the silence that counts as missing frames.
 */
export function drawLive(charts, { frames, slugs, from, to, ref, replay, gapS, markers = [] }) {
  const datasets = slugs.flatMap((slug) => {
    const [inFlight, inView] = pairFor(charts, slug);
    inFlight.data = frames.map((f) => ({ x: f.t - ref, y: f.in_flight[slug] ?? 0 }));
    inView.data = frames.map((f) => ({ x: f.t - ref, y: f.in_view[slug] ?? 0 }));
    return [inFlight, inView];
  });
  // Work a view left running after it answered (the tutorial's /async/): shown while there is any.
  if (frames.some((f) => f.background)) {
    charts.background ??= {
      label: "background tasks (tasks)",
      borderColor: charts.palette.muted,
      backgroundColor: charts.palette.muted,
      borderDash: [2, 3],
      fill: false,
    };
    charts.background.data = frames.map((f) => ({ x: f.t - ref, y: f.background }));
    datasets.push(charts.background);
  }
  charts.live.data.datasets = datasets;
  charts.live.$frameGaps = [];
  for (let i = 1; i < frames.length; i++) {
    if (frames[i].t - frames[i - 1].t > gapS) {
      charts.live.$frameGaps.push({ from: frames[i - 1].t - ref, to: frames[i].t - ref });
    }
  }
  charts.live.$replay = replay;
  charts.live.$markers = markers.map(({ t, label, slug }) => ({
    x: t - ref,
    label,
    color: charts.colors.get(slug) ?? charts.palette.muted,
  }));
  charts.live.options.scales.y.title.text = "requests (max per 100 ms)";
  const x = charts.live.options.scales.x;
  x.min = from - ref;
  x.max = Math.max(to, from + 1) - ref;
  x.title.text = replay ? "seconds after the run started" : "seconds";
  charts.live.update("none");
}

/** A picked run whose frames are gone: only what its timings tell, requests in flight. */
export function drawInFlight(charts, { inFlight, slug, to }) {
  const [line] = pairFor(charts, slug);
  charts.live.data.datasets = [{ ...line, data: inFlight, fill: false, stepped: "after" }];
  charts.live.$frameGaps = [];
  charts.live.$markers = [];
  charts.live.$replay = true;
  charts.live.options.scales.y.title.text = "requests";
  const x = charts.live.options.scales.x;
  x.min = 0;
  x.max = Math.max(1, to ?? inFlight.at(-1).x);
  x.title.text = "seconds after the run started";
  charts.live.update("none");
}

// http_status 0: no answer at all. Frames carry no status: their points count as answered.
const failed = (status) => status === 0 || status >= 400;

/**
 * points: [finished_at_s, duration_s, http_status]; marks: {p50, p95, p99, max} in seconds.
 * In a race, slug names the run's scenario and rival holds the other run's {slug, points}:
 * both are drawn in their scenarios' colours.
 */
export function drawDurations(charts, points, marks, { slug = null, rival = null } = {}) {
  const xMax = Math.max(1, ...points.map((p) => p[0]), ...(rival?.points ?? []).map((p) => p[0]));
  const point = ([x, y]) => ({ x, y });
  const accent = rival ? charts.colors.get(slug) : charts.palette.accent;
  const alarm = charts.palette.alarm;
  const rivalColor = rival && charts.colors.get(rival.slug);
  const rivalPoints = rival
    ? [
        {
          label: rival.slug,
          data: rival.points.filter((p) => !failed(p[2])).map(point),
          backgroundColor: `${rivalColor}aa`,
          borderColor: rivalColor,
          pointStyle: "rect",
          pointRadius: 2.5,
          order: 0,
        },
      ]
    : [];
  const lines = [
    ["p50", "ok", []],
    ["p95", "warn", [8, 4]],
    ["p99", "sync", [3, 3]],
    ["max", "alarm", [12, 3, 3, 3]],
  ];
  charts.durations.data.datasets = [
    {
      label: rival ? slug : "request (s)",
      data: points.filter((p) => !failed(p[2])).map(point),
      backgroundColor: `${accent}aa`,
      borderColor: accent,
      pointRadius: 2.5,
      order: 0,
    },
    {
      label: "error (s)",
      data: [...points, ...(rival?.points ?? [])].filter((p) => failed(p[2])).map(point),
      backgroundColor: alarm,
      borderColor: alarm,
      pointStyle: "crossRot",
      pointRadius: 5,
      order: 0,
    },
    ...rivalPoints,
    ...lines
      // In a race the legend holds both runs: the run's p95 is left out to keep it one line.
      .filter(([name]) => marks[name] != null && !(rival && name === "p95"))
      .map(([name, color, dash]) => ({
        label: `${name} ${seconds(marks[name])}`,
        data: [
          { x: 0, y: marks[name] },
          { x: xMax, y: marks[name] },
        ],
        showLine: true,
        pointRadius: 0,
        borderWidth: 1.5,
        borderDash: dash,
        borderColor: charts.palette[color],
        backgroundColor: charts.palette[color],
        order: 1, // under the points
      })),
  ];
  charts.durations.update("none");
}

export function downloadPng(chart, filename) {
  // Documentation wants crisp images: render at twice the screen's density for the export.
  chart.options.devicePixelRatio = 2;
  chart.resize();
  const url = chart.toBase64Image("image/png", 1);
  chart.options.devicePixelRatio = undefined;
  chart.resize();
  download(url, filename);
}
