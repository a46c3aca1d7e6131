/* Chart.js plugins the charts share: the panel's background (so an exported PNG is not
 * transparent), the gaps where no frame came, the markers where runs start and end, and the
 * labels of the percentile lines. Each reads what the drawing code left on the chart
 * ($frameGaps, $markers, the datasets' $mark) and the palette.
 */

// The charts' own type size follows the page's (charts.js): labels drawn in are a little smaller.
const labelSize = () => Math.round(window.Chart.defaults.font.size * 0.85);
const labelFont = () => `600 ${labelSize()}px system-ui, sans-serif`;

/** palette() answers the current theme's colours, read once per theme by charts.js. */
export function makePlugins(palette) {
  // Painted first, so a downloaded PNG has the panel's background instead of transparency.
  const background = {
    id: "panelBackground",
    beforeDraw(chart) {
      const { ctx, width, height } = chart;
      ctx.save();
      ctx.fillStyle = palette().panel;
      ctx.fillRect(0, 0, width, height);
      ctx.restore();
    },
  };

  // Frames are due every 100 ms; a longer gap means the dashboard could not send them.
  const gaps = {
    id: "frameGaps",
    beforeDatasetsDraw(chart) {
      const found = chart.$frameGaps ?? [];
      if (!found.length) return;
      const { ctx, chartArea, scales } = chart;
      const { alarm } = palette();
      ctx.save();
      ctx.beginPath();
      ctx.rect(chartArea.left, chartArea.top, chartArea.width, chartArea.height);
      ctx.clip();
      ctx.font = labelFont();
      for (const { from, to } of found) {
        const left = scales.x.getPixelForValue(from);
        const right = scales.x.getPixelForValue(to);
        ctx.fillStyle = `${alarm}2e`;
        ctx.fillRect(left, chartArea.top, right - left, chartArea.height);
        if (right - left > 70) {
          ctx.fillStyle = alarm;
          ctx.fillText(`no frames ${(to - from).toFixed(1)} s`, left + 4, chartArea.top + labelSize() + 2);
        }
      }
      ctx.restore();
    },
  };

  // Where runs start and end: a dashed line in the run's colour, labelled at the bottom. Labels
  // that would overlap go a row up; one that would leave the plot goes left of its line.
  const markers = {
    id: "runMarkers",
    afterDatasetsDraw(chart) {
      const found = chart.$markers ?? [];
      if (!found.length) return;
      const { ctx, chartArea, scales } = chart;
      ctx.save();
      ctx.font = labelFont();
      ctx.lineWidth = 1.5;
      const placed = [];
      const drawn = found
        .map((marker) => ({ ...marker, px: scales.x.getPixelForValue(marker.x) }))
        .filter(({ px }) => px >= chartArea.left - 0.5 && px <= chartArea.right + 0.5)
        .sort((a, b) => a.px - b.px);
      for (const { px, label, color } of drawn) {
        ctx.strokeStyle = ctx.fillStyle = color;
        ctx.setLineDash([4, 3]);
        ctx.beginPath();
        ctx.moveTo(px, chartArea.top);
        ctx.lineTo(px, chartArea.bottom);
        ctx.stroke();
        const width = ctx.measureText(label).width;
        const left = px + 3 + width <= chartArea.right ? px + 3 : px - 3 - width;
        let row = 0;
        const clashes = (p) => p.row === row && left < p.right + 4 && left + width + 4 > p.left;
        while (placed.some(clashes)) row += 1;
        placed.push({ label, row, left, right: left + width });
        ctx.fillText(label, left, chartArea.bottom - 4 - row * (labelSize() + 2));
      }
      chart.$markerLabels = placed; // what was drawn where, for the browser tests
      ctx.restore();
    },
  };

  // The durations chart's percentile lines, labelled at their right end: the lines of one run
  // that lie closer than a line of text share one label ("p50 1.10 · p99 = max 1.16 s"), on two
  // lines where the plot is narrow; in a race each label starts with its run's id, in its colour.
  // Equal figures once: "p95 = p99 = max 1.16", or "p95–max 1.16" where room is short.
  const figures = (marks, short) => {
    const groups = [];
    for (const { name, value } of [...marks].sort((a, b) => a.value - b.value)) {
      const text = value.toFixed(2);
      if (groups.at(-1)?.text === text) groups.at(-1).names.push(name);
      else groups.push({ text, names: [name] });
    }
    const named = (names) => (short && names.length > 2 ? `${names[0]}–${names.at(-1)}` : names.join(" = "));
    return groups.map(({ text, names }) => `${named(names)} ${text}`);
  };
  const lineLabels = {
    id: "lineLabels",
    afterDatasetsDraw(chart) {
      const { ctx, chartArea, scales } = chart;
      const LINE_PX = labelSize() + 2;
      const lines = chart.data.datasets
        .filter((dataset, i) => dataset.$mark && chart.isDatasetVisible(i))
        .map(({ $mark, borderColor }) => ({ ...$mark, color: borderColor, y: scales.y.getPixelForValue($mark.value) }))
        .sort((a, b) => a.y - b.y);
      const labels = [];
      for (const line of lines) {
        const last = labels.findLast((label) => label.run === line.run);
        if (last && line.y - last.y < LINE_PX) last.marks.push(line);
        else labels.push({ run: line.run, y: line.y, color: line.color, marks: [line] });
      }
      ctx.save();
      ctx.font = labelFont();
      ctx.textAlign = "right";
      ctx.textBaseline = "bottom";
      const room = chartArea.width - 8;
      let floor = chartArea.top + LINE_PX;
      chart.$lineLabels = [];
      for (const label of labels) {
        const prefix = label.run ? `${label.run}: ` : "";
        const line = (short) => `${prefix}${figures(label.marks, short).join(" · ")} s`;
        let rows = [line(false)];
        if (ctx.measureText(rows[0]).width > room) rows = [line(true)];
        const parts = figures(label.marks, true);
        if (ctx.measureText(rows[0]).width > room && parts.length > 1) {
          const half = Math.ceil(parts.length / 2);
          // The higher figures on the upper row, as their lines lie.
          rows = [`${prefix}${parts.slice(half).join(" · ")}`, `${parts.slice(0, half).join(" · ")} s`];
        }
        // Above its line, below the label over it, inside the plot.
        const height = rows.length * LINE_PX;
        const bottom = Math.min(chartArea.bottom, Math.max(label.y - 2, floor + height - LINE_PX));
        floor = bottom + LINE_PX;
        const width = Math.max(...rows.map((row) => ctx.measureText(row).width));
        const right = chartArea.right - 4;
        ctx.fillStyle = `${palette().panel}cc`;
        ctx.fillRect(right - width - 2, bottom - height + 1, width + 4, height);
        ctx.fillStyle = label.marks.length > 1 && !label.run ? palette().fg : label.color;
        rows.forEach((row, i) => ctx.fillText(row, right, bottom - (rows.length - 1 - i) * LINE_PX));
        chart.$lineLabels.push({ text: rows.join(" "), top: bottom - height, bottom, left: right - width, right });
      }
      ctx.restore();
    },
  };
  return { background, gaps, markers, lineLabels };
}
