/* Drawing the live chart's series: each a pair of datasets, in flight (dashed) filled down to
 * in view (solid), from the frames' samples or from a run's requests' own times (exact.js). What
 * is shown, and when, is live.js's.
 */
import { splitKey } from "./format.js";
import { runKeys, servers } from "./state.js";

const GAP_S = 0.4; // frames are due every 100 ms: a longer gap is drawn as missing frames
export const MIN_SPAN_S = 1; // a run just fired still gets a second of axis

// A scenario on a second server is drawn in a paler tone of its colour: per scenario, its
// servers in the registry's order get tones 0, 1, ...
export const serverRank = new Map(servers.map((s, i) => [s.slug, i]));
export function shadesOf(keys) {
  const all = [...new Set([...keys, ...runKeys()])].map((key) => ({ key, ...splitKey(key) }));
  all.sort((a, b) => (serverRank.get(a.server) ?? 99) - (serverRank.get(b.server) ?? 99));
  const seen = new Map();
  const shades = new Map();
  for (const { key, scenario } of all) {
    shades.set(key, seen.get(scenario) ?? 0);
    seen.set(scenario, (seen.get(scenario) ?? 0) + 1);
  }
  return shades;
}

// Two datasets per series; the in-flight line fills down to the in-view line: the queue.
function pairFor(charts, { id, label, color }) {
  let pair = charts.pairs.get(id);
  if (!pair || pair[1].borderColor !== color || pair[1].$label !== label) {
    pair = [
      {
        label: `${label} in flight`,
        $series: id,
        borderColor: color,
        borderDash: [6, 4],
        backgroundColor: `${color}33`,
        fill: "+1",
      },
      {
        label: `${label} in view`,
        $series: id,
        $label: label,
        $legend: true,
        borderColor: color,
        backgroundColor: color,
        fill: false,
      },
    ];
    charts.pairs.set(id, pair);
  }
  return pair;
}

// A series drawn from its requests' times: from the axis' start to its end, at the run's offset.
function exactData({ points }, offset, from, to) {
  const last = points.at(-1);
  const all = [{ x: from, inFlight: 0, inView: 0 }, ...points.map((p) => ({ ...p, x: p.x + offset }))];
  if (to > last.x + offset) all.push({ ...last, x: to });
  return {
    inFlight: all.map((p) => ({ x: p.x, y: p.inFlight })),
    inView: all.map((p) => ({ x: p.x, y: p.inView })),
  };
}

export function draw(charts, { frames, series, from, to, ref, title, markers, relative }) {
  charts.live.data.datasets = series.flatMap((one) => {
    const [inFlight, inView] = pairFor(charts, one);
    if (one.exact) {
      const data = exactData(one.exact, one.offset, from - ref, Math.max(to, from + MIN_SPAN_S) - ref);
      inFlight.data = data.inFlight;
      inView.data = data.inView;
    } else {
      inFlight.data = frames.map((f) => ({ x: f.t - ref, y: one.inFlight(f) }));
      inView.data = frames.map((f) => ({ x: f.t - ref, y: one.inView(f) }));
    }
    // A frame holds the most seen in the 100 ms before it ("after": drawn over the interval
    // ending at it); a count from requests' times holds from its instant on, until the next.
    inFlight.stepped = inView.stepped = one.exact ? "before" : "after";
    // Without the views, the in-flight line is alone and carries the series' legend entry.
    return one.exact?.inView === false ? [{ ...inFlight, $legend: true, fill: false }] : [inFlight, inView];
  });
  charts.live.$frameGaps = [];
  const sampled = series.some((one) => !one.exact);
  for (let i = 1; sampled && i < frames.length; i++) {
    if (frames[i].t - frames[i - 1].t > GAP_S) {
      charts.live.$frameGaps.push({ from: frames[i - 1].t - ref, to: frames[i].t - ref });
    }
  }
  charts.live.$relative = relative;
  charts.live.$markers = markers.map((m) => ({ ...m, x: m.t - ref }));
  const viewless = series.every((one) => one.exact?.inView === false);
  charts.live.options.scales.y.title.text = viewless ? "requests in flight" : "requests (shaded: the queue)";
  const x = charts.live.options.scales.x;
  x.min = from - ref;
  x.max = Math.max(to, from + MIN_SPAN_S) - ref;
  x.title.text = title;
  charts.live.update("none");
}
