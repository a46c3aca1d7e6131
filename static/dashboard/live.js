/* The live chart's data: per scenario@server, requests in flight (dashed) and in view (solid),
 * the gap between them shaded, frame by frame; or, for a picked run whose frames are gone, its
 * requests in flight from its timings.
 */
import { keyColor } from "./charts.js";
import { keyLabel } from "./format.js";

// Two datasets per series key; the in-flight line fills down to the in-view line: the queue.
function pairFor(charts, key, shade) {
  const color = keyColor(charts, key, shade);
  let pair = charts.pairs.get(key);
  if (!pair || pair[1].borderColor !== color) {
    pair = [
      {
        label: `${keyLabel(key)} in flight`,
        $key: key,
        borderColor: color,
        borderDash: [6, 4],
        backgroundColor: `${color}33`,
        fill: "+1",
      },
      {
        label: `${keyLabel(key)} in view`,
        $key: key,
        $legend: true,
        borderColor: color,
        backgroundColor: color,
        fill: false,
      },
    ];
    charts.pairs.set(key, pair);
  }
  return pair;
}

/**
 * Redraw the live chart from frames, x relative to ref (the newest frame, or a picked run's
 * start): keys are the series to show ("scenario@server"), shades their tone (a second server
 * of a scenario is paler), gapS the silence that counts as missing frames, markers the runs'
 * starts and ends {t, label, key, level}, level 1 for a race's second run.
 */
export function drawLive(charts, { frames, keys, shades, from, to, ref, replay, gapS, markers = [] }) {
  charts.live.data.datasets = keys.flatMap((key) => {
    const [inFlight, inView] = pairFor(charts, key, shades.get(key));
    inFlight.data = frames.map((f) => ({ x: f.t - ref, y: f.in_flight[key] ?? 0 }));
    inView.data = frames.map((f) => ({ x: f.t - ref, y: f.in_view[key] ?? 0 }));
    return [inFlight, inView];
  });
  charts.live.$frameGaps = [];
  for (let i = 1; i < frames.length; i++) {
    if (frames[i].t - frames[i - 1].t > gapS) {
      charts.live.$frameGaps.push({ from: frames[i - 1].t - ref, to: frames[i].t - ref });
    }
  }
  charts.live.$replay = replay;
  charts.live.$markers = markers.map(({ t, label, key, level }) => ({
    x: t - ref,
    label,
    level,
    color: keyColor(charts, key, shades.get(key)),
  }));
  charts.live.options.scales.y.title.text = "requests";
  const x = charts.live.options.scales.x;
  x.min = from - ref;
  x.max = Math.max(to, from + 1) - ref;
  // Live, the ticks say it all ("-5 s", "now"); a replay says what its 0 is.
  x.title.display = replay;
  x.title.text = "seconds after the run started";
  charts.live.update("none");
}

/** A picked run whose frames are gone: only what its timings tell, requests in flight. */
export function drawInFlight(charts, { inFlight, key, to }) {
  const [line] = pairFor(charts, key, 0);
  // The only line, so it carries the series' entry in the legend.
  charts.live.data.datasets = [{ ...line, $legend: true, data: inFlight, fill: false, stepped: "after" }];
  charts.live.$frameGaps = [];
  charts.live.$markers = [];
  charts.live.$replay = true;
  charts.live.options.scales.y.title.text = "requests in flight";
  const x = charts.live.options.scales.x;
  x.min = 0;
  x.max = Math.max(1, to ?? inFlight.at(-1).x);
  x.title.display = true;
  x.title.text = "seconds after the run started";
  charts.live.update("none");
}
