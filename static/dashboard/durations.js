/* The durations chart's data: one point per request, answered at (x) against how long it took
 * (y), errors as red crosses, and the p50, p95, p99 and max lines. In a race both runs are
 * drawn in their series' colours.
 */
import { keyColor } from "./charts.js";
import { raceName, seconds } from "./format.js";

// http_status 0: no answer at all.
const failed = (status) => status === 0 || status >= 400;

/** A timing [index, sent_s, answered_s, http_status, error_kind] as a point. */
const point = ([, sent, answered]) => ({ x: answered, y: answered - sent });

const LINES = [
  ["p50", "muted", []],
  ["p95", "warn", [8, 4]],
  ["p99", "sync", [3, 3]],
  ["max", "alarm", [12, 3, 3, 3]],
];

// A run's answers in its series' colour, as on the live chart; in a race, named by what
// tells the two runs apart.
function runDataset(charts, { key, shade, timings }, other, square) {
  const color = key ? keyColor(charts, key, shade) : charts.palette.accent;
  return {
    label: key ? raceName(key, other?.key) : "request",
    data: timings.filter((t) => !failed(t[3])).map(point),
    backgroundColor: `${color}aa`,
    borderColor: color,
    pointStyle: square ? "rect" : "circle",
    pointRadius: 2.5,
    order: 0,
  };
}

/**
 * run: {key, shade, timings} of the current run; marks: {p50, p95, p99, max} in seconds;
 * rival: the other run of its race, {key, shade, timings}, or null.
 */
export function drawDurations(charts, run, marks, rival = null) {
  const all = [...run.timings, ...(rival?.timings ?? [])];
  const xMax = Math.max(1, ...all.map((t) => t[2]));
  const alarm = charts.palette.alarm;
  charts.durations.data.datasets = [
    runDataset(charts, run, rival, false),
    {
      label: "error",
      data: all.filter((t) => failed(t[3])).map(point),
      backgroundColor: alarm,
      borderColor: alarm,
      pointStyle: "crossRot",
      pointRadius: 5,
      order: 0,
    },
    ...(rival ? [runDataset(charts, rival, run, true)] : []),
    ...LINES
      // In a race the legend holds both runs: the run's p95 is left out to keep it short.
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
