/* The two charts and their colours: in flight vs in view over time, and each request's
 * duration. Chart.js comes from its pinned CDN URL, checked by its integrity hash, or else from
 * the site's own copy. Animations are off and datasets are replaced in place (live.js,
 * durations.js): a redraw is one synchronous draw.
 */
import { cssVar, download, hslToHex, shortNumber, splitKey } from "./format.js";
import { makePlugins } from "./plugins.js";

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

// The theme's colours, read once per theme: reading CSS on every draw costs a style recalculation.
const PALETTE = ["panel", "fg", "muted", "grid", "accent", "alarm", "ok", "warn", "sync"];
let palette = {};
const plugins = makePlugins(() => palette);

/**
 * One colour per scenario, spread around the hue circle by the golden angle so that scenarios
 * next to each other in the registry, the usual rivals, never look alike. shade 1 is a paler
 * tone of the same hue: the same scenario on a second server.
 */
export function keyColor(charts, key, shade = 0) {
  const index = charts.scenarioIndex.get(splitKey(key).scenario);
  if (index == null) return shade ? charts.palette.grid : charts.palette.muted;
  // The second tone leans towards the background: lighter on light panels, darker on dark ones.
  const toned = Math.min(shade, 1);
  return hslToHex((index * 137.508) % 360, 75, charts.dark ? 66 - 24 * toned : 40 + 25 * toned);
}

/** The rolling view's colour for a server's sum of every view: greys and teals, apart from the
 * scenarios' bright hues, one per server in the registry's order. */
export function serverColor(charts, slug) {
  const index = charts.serverIndex.get(slug) ?? 0;
  return hslToHex((190 + index * 137.508) % 360, 45, charts.dark ? 62 : 38);
}

function axis(title, extra = {}) {
  return {
    type: "linear",
    title: { display: true, text: title, color: cssVar("--muted") },
    grid: { color: cssVar("--grid") },
    ...extra,
    ticks: { color: cssVar("--muted"), maxTicksLimit: 8, ...extra.ticks },
  };
}

// Legends in a smaller type than the axes: two series and the percentiles fit on a line.
const legendLabels = () => ({
  boxWidth: 14,
  boxHeight: 3,
  padding: 6,
  color: palette.fg,
  font: { size: Math.round(window.Chart.defaults.font.size * 0.92) },
});

// The live chart's legend: one entry per series, a run or a server (the chart's title says what
// dashed and solid mean). A click hides or shows both lines of a series.
const liveLegend = () => ({
  labels: {
    ...legendLabels(),
    generateLabels(chart) {
      return chart.data.datasets.flatMap((dataset, i) =>
        dataset.$legend
          ? [
              {
                text: dataset.$label,
                fillStyle: dataset.borderColor,
                strokeStyle: dataset.borderColor,
                fontColor: palette.fg,
                lineWidth: 0,
                hidden: !chart.isDatasetVisible(i),
                datasetIndex: i,
              },
            ]
          : [],
      );
    },
  },
  onClick(event, item, legend) {
    const { chart } = legend;
    const { datasets } = chart.data;
    const series = datasets[item.datasetIndex].$series;
    const visible = chart.isDatasetVisible(item.datasetIndex);
    datasets.forEach((dataset, i) => dataset.$series === series && chart.setDatasetVisibility(i, !visible));
    chart.update("none");
  },
});

/** Both charts, coloured from the current theme. */
export function createCharts(scenarios, servers) {
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
  };
  const live = new Chart(document.getElementById("chart-live"), {
    type: "line",
    data: { datasets: [] },
    plugins: [plugins.background, plugins.gaps, plugins.markers],
    options: {
      ...common,
      plugins: { legend: liveLegend() },
      // Steps: each dataset says which way (live-draw.js), frames and requests' times differ.
      elements: { point: { radius: 0 }, line: { borderWidth: 2.5 } },
      scales: {
        x: axis("seconds", {
          ticks: {
            callback(v) {
              return v === 0 && !this.chart.$relative ? "now" : `${shortNumber(v)} s`;
            },
          },
        }),
        y: axis("requests", { beginAtZero: true, suggestedMax: 1 }),
      },
    },
  });
  const durations = new Chart(document.getElementById("chart-durations"), {
    type: "scatter",
    data: { datasets: [] },
    plugins: [plugins.background, plugins.lineLabels],
    options: {
      ...common,
      plugins: {
        // The runs and the errors; the percentile lines are labelled where they are drawn.
        legend: {
          labels: {
            ...legendLabels(),
            filter: (item, data) => {
              const dataset = data.datasets[item.datasetIndex];
              return !dataset.$mark && dataset.data.length > 0;
            },
          },
        },
      },
      scales: {
        x: axis("answered at (s after the run fired)", { beginAtZero: true }),
        y: axis("duration (s)", { beginAtZero: true }),
      },
    },
  });
  return {
    live,
    durations,
    palette,
    dark: document.documentElement.dataset.theme === "dark",
    scenarioIndex: new Map(scenarios.map((s, i) => [s.slug, i])),
    serverIndex: new Map(servers.map((s, i) => [s.slug, i])),
    pairs: new Map(), // series key -> its two datasets on the live chart
  };
}

// Exported pictures are drawn at one size, 16:9 for slides, whatever the chart's size on screen:
// at twice the density, 1920x1080 pixels.
const EXPORT = { width: 960, height: 540, density: 2 };

/** Download a chart as PNG with a title drawn in (what and which runs) and lines under it
 * (the runs, where and when), so that a picture keeps its meaning away from the page. */
export function downloadPng(chart, filename, { title, subtitle }) {
  const { plugins: options } = chart.options;
  const before = { title: options.title, subtitle: options.subtitle };
  const size = window.Chart.defaults.font.size;
  const font = { size: size + 4, weight: "bold" };
  options.title = { display: true, text: title, color: palette.fg, font };
  options.subtitle = { display: true, text: subtitle, color: palette.muted, padding: { bottom: 8 } };
  chart.options.devicePixelRatio = EXPORT.density;
  chart.resize(EXPORT.width, EXPORT.height);
  chart.update("none");
  const url = chart.toBase64Image("image/png", 1);
  // Back as it was, before the browser paints again: the page never shows the picture's size.
  Object.assign(options, before);
  chart.options.devicePixelRatio = undefined;
  chart.resize();
  chart.update("none");
  download(url, filename);
}
