// Bar charts for the reports page (static/dashboard/reports.js), drawn by uPlot:
// small (about 50 KB, 22 KB gzipped, against Chart.js's 200 KB), kept up, and
// canvas-drawn, so a year of days costs nothing. static/build.mjs bundles this
// file with uPlot and its stylesheet into static/dashboard/dist/charts.js; the
// page imports that, so serving Parley needs no Node.

import uPlot from "uplot";
import CSS from "uplot/dist/uPlot.min.css";

let styled = false;

function addStyle() {
  if (styled) return;
  const style = document.createElement("style");
  style.textContent = CSS;
  document.head.append(style);
  styled = true;
}

/**
 * A bar chart of `values` over the category `labels`, into `target` (emptied).
 * `title` names the series; `labelEvery` thins the x axis labels.
 * Returns the uPlot, whose destroy() the caller calls before drawing anew.
 */
export function barChart(target, { labels, values, title, color = "#4f46e5", height = 220, labelEvery = 1 }) {
  addStyle();
  target.replaceChildren();
  const xs = labels.map((_, i) => i);
  const width = Math.max(280, target.clientWidth || 600);
  return new uPlot(
    {
      width,
      height,
      legend: { show: false },
      cursor: { drag: { x: false, y: false }, points: { show: false } },
      scales: { x: { time: false, range: [-0.5, labels.length - 0.5] }, y: { range: (u, min, max) => [0, Math.max(1, max)] } },
      axes: [
        {
          splits: () => xs.filter((i) => i % labelEvery === 0),
          values: (u, splits) => splits.map((i) => labels[i] ?? ""),
          grid: { show: false },
        },
        { values: (u, splits) => splits.map((v) => (Number.isInteger(v) ? String(v) : "")) },
      ],
      series: [
        {},
        {
          label: title,
          fill: color,
          stroke: color,
          paths: uPlot.paths.bars({ size: [0.7, 40] }),
          points: { show: false },
        },
      ],
    },
    [xs, values],
    target,
  );
}
