/* The durations chart's data: one point per request, answered at (x) against how long it took
 * (y), errors as red crosses, and each run's p50, p95, p99 and max lines. In a race both runs
 * are drawn in their series' colours, each with its own p50, p99 and max, labelled with its
 * run's id as the legend names it (plugins.js draws the labels).
 */
import { keyColor } from "./charts.js";
import { seconds, splitKey } from "./format.js";

// http_status 0: no answer at all.
const failed = (status) => status === 0 || status >= 400;

/** A timing [index, sent_s, answered_s, http_status, error_kind] as a point. */
const point = ([, sent, answered]) => ({ x: answered, y: answered - sent });

// One colour per percentile for a run alone; in a race the run's colour, the dashes tell them.
const LINES = [
  ["p50", "muted", [2, 3]],
  ["p95", "warn", [8, 4]],
  ["p99", "sync", [4, 2]],
  ["max", "alarm", []],
];
const RACE_LINES = new Set(["p50", "p99", "max"]);

/**
 * runs: the current run and, in a race, its rival, each {id, key, shade, timings, marks}
 * where marks is {p50, p95, p99, max} in seconds or nulls.
 */
export function drawDurations(charts, runs) {
  const race = runs.length > 1;
  const all = runs.flatMap((run) => run.timings);
  const xMax = Math.max(1, ...all.map((t) => t[2]));
  const alarm = charts.palette.alarm;
  const points = runs.map((run, i) => {
    const color = run.key ? keyColor(charts, run.key, run.shade) : charts.palette.accent;
    // The run's scenario, or its server in a race of one scenario on two: the servers are in the
    // card and the live chart's legend, and this legend must fit a narrow chart.
    const sameScenario = race && splitKey(run.key).scenario === splitKey(runs[1 - i].key).scenario;
    const name = run.key && splitKey(run.key)[sameScenario ? "server" : "scenario"];
    return {
      label: run.key ? `#${run.id} ${name}` : "request",
      data: run.timings.filter((t) => !failed(t[3])).map(point),
      backgroundColor: `${color}aa`,
      borderColor: color,
      pointStyle: i ? "rect" : "circle",
      pointRadius: 2.5,
      order: 0,
    };
  });
  const errors = {
    label: "error",
    data: all.filter((t) => failed(t[3])).map(point),
    backgroundColor: alarm,
    borderColor: alarm,
    pointStyle: "crossRot",
    pointRadius: 5,
    order: 0,
  };
  const drawn = (run) => ([mark]) => run.marks[mark] != null && (!race || RACE_LINES.has(mark));
  const lines = runs.flatMap((run, i) =>
    LINES.filter(drawn(run)).map(([mark, tone, dash]) => {
      const value = run.marks[mark];
      const name = race ? `#${run.id}` : null;
      const color = race ? points[i].borderColor : charts.palette[tone];
      return {
        label: `${name ? `${name} ` : ""}${mark} ${seconds(value)}`,
        $mark: { run: name, name: mark, value },
        data: [
          { x: 0, y: value },
          { x: xMax, y: value },
        ],
        showLine: true,
        pointRadius: 0,
        borderWidth: 1.5,
        borderDash: dash,
        borderColor: color,
        backgroundColor: color,
        order: 1, // under the points
      };
    }),
  );
  // The current run's points first, then the errors, then the rival's: the legend's order.
  charts.durations.data.datasets = [points[0], errors, ...points.slice(1), ...lines];
  charts.durations.update("none");
}
