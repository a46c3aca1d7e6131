/* Chart.js plugins the charts share: the panel's background (so an exported PNG is not
 * transparent), the gaps where no frame came, and the markers where runs start and end.
 * Each reads what the drawing code left on the chart ($frameGaps, $markers) and the palette.
 */

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
      ctx.font = "600 12px system-ui, sans-serif";
      for (const { from, to } of found) {
        const left = scales.x.getPixelForValue(from);
        const right = scales.x.getPixelForValue(to);
        ctx.fillStyle = `${alarm}2e`;
        ctx.fillRect(left, chartArea.top, right - left, chartArea.height);
        if (right - left > 70) {
          ctx.fillStyle = alarm;
          ctx.fillText(`no frames ${(to - from).toFixed(1)} s`, left + 4, chartArea.top + 14);
        }
      }
      ctx.restore();
    },
  };

  // Where runs start and end: a dashed line in the run's colour, labelled at the bottom.
  const markers = {
    id: "runMarkers",
    afterDatasetsDraw(chart) {
      const found = chart.$markers ?? [];
      if (!found.length) return;
      const { ctx, chartArea, scales } = chart;
      ctx.save();
      ctx.font = "600 11px system-ui, sans-serif";
      ctx.setLineDash([4, 3]);
      ctx.lineWidth = 1.5;
      for (const { x, label, color, level } of found) {
        const px = scales.x.getPixelForValue(x);
        if (px < chartArea.left || px > chartArea.right) continue;
        ctx.strokeStyle = ctx.fillStyle = color;
        ctx.beginPath();
        ctx.moveTo(px, chartArea.top);
        ctx.lineTo(px, chartArea.bottom);
        ctx.stroke();
        // At the bottom, clear of the gap labels at the top; a race's second run a line up,
        // so the labels of two runs that start together stay readable.
        ctx.fillText(label, px + 3, chartArea.bottom - 4 - (level ?? 0) * 13);
      }
      ctx.restore();
    },
  };
  return { background, gaps, markers };
}
