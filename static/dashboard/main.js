/* The dashboard's boot: wires the modules to the page, then opens the event stream and loads
 * Chart.js. One stream feeds the gauges, both charts, the run card and the history (stream.js);
 * window.dashboard exposes the state, the charts and the cost of redraws, for the browser tests
 * and the curious.
 */
import { follow, pickRun, switchView } from "./api.js";
import { createCharts, loadChartJs } from "./charts.js";
import { exportChart, exportRun } from "./exports.js";
import { showPreset, wireForm } from "./form.js";
import { wireKeys } from "./keys.js";
import { charts, setCharts } from "./redraw.js";
import { wireServers } from "./servers.js";
import { scenarios, servers, state } from "./state.js";
import { connect, watchForSilence } from "./stream.js";
import { timeline, wireTimeline } from "./timeline.js";

wireForm({ follow });
wireServers();
// htmx swaps the run card and each redraw replaces the history rows: one listener outlives their buttons.
document.body.addEventListener("click", (event) => {
  const target = event.target.closest("[data-export], [data-png], [data-pick]");
  if (!target) return;
  if (target.dataset.export) exportRun(target.dataset.export);
  if (target.dataset.png) exportChart(target.dataset.png);
  if (target.dataset.pick) pickRun(Number(target.dataset.pick));
});
wireKeys();
wireTimeline();
document.getElementById("live-view").addEventListener("click", switchView);
document.addEventListener("themechange", () => {
  if (!charts) return;
  charts.live.destroy();
  charts.durations.destroy();
  setCharts(createCharts(scenarios, servers));
});
watchForSilence();

window.dashboard = {
  state,
  timeline,
  get charts() {
    return charts;
  },
};

showPreset();
connect();
loadChartJs(document.getElementById("dashboard").dataset).then((source) => {
  state.chartSource = source;
  setCharts(createCharts(scenarios, servers));
});
