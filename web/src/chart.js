// Charts on uPlot: the per-stream rate graphs and the SQL result chart.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { fmtBytes, fmtNum } from './dom.js';

const palette = ['#2563eb', '#ea580c', '#16a34a', '#9333ea', '#dc2626', '#0891b2', '#ca8a04'];

const sparse = (u) => u.data[0].length <= 3;

/** rateChart draws records/s (left axis) and bytes/s (right axis). */
export function rateChart(el, data, width, windowSeconds = 900) {
  const opts = {
    width, height: 110,
    legend: { show: true, live: false },
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: true, range: (u, min, max) => { const end = max ?? Date.now() / 1000; return [end - windowSeconds, end + windowSeconds / 60]; } }, rec: { auto: true, range: (u, min, max) => [0, Math.max(1, max)] },
      byt: { auto: true, range: (u, min, max) => [0, Math.max(1, max)] } },
    series: [
      {},
      // Points only while there are few intervals (a lone value has no line).
      { label: 'records/s', scale: 'rec', stroke: palette[0], width: 1.5, fill: 'rgba(37,99,235,0.08)', points: { show: sparse, size: 6 },
        value: (u, v) => fmtNum(v) },
      { label: 'bytes/s', scale: 'byt', stroke: palette[1], width: 1.5, points: { show: sparse, size: 6 }, value: (u, v) => (v == null ? '–' : fmtBytes(v)) },
    ],
    axes: [
      { size: 24, font: '10px system-ui' },
      { scale: 'rec', size: 44, font: '10px system-ui', values: (u, vs) => vs.map((v) => fmtNum(v)) },
      { scale: 'byt', side: 1, size: 52, font: '10px system-ui', grid: { show: false }, values: (u, vs) => vs.map((v) => fmtBytes(v)) },
    ],
  };
  return new uPlot(opts, data, el);
}

/**
 * resultChart draws a SQL result: kind 'line' or 'bar'; x is numbers
 * (time in seconds when time is true) or, for categories, indexes with
 * labels; xLabel names the x column in the legend; ys are the plotted columns.
 */
export function resultChart(el, { kind, x, xLabel, labels, time, ys }, width) {
  const bars = kind === 'bar';
  const series = [{ label: xLabel, value: labels ? (u, v) => (v == null ? '' : labels[v] ?? '') : undefined }];
  ys.forEach((y, i) => {
    const color = palette[i % palette.length];
    series.push({
      label: y.label,
      stroke: color,
      width: bars ? 0 : 2,
      fill: bars ? color + 'dd' : undefined,
      points: { show: !bars && x.length < 60 },
      paths: bars ? groupedBars(i, ys.length) : undefined,
    });
  });
  const xAxis = { size: 40, font: '11px system-ui' };
  if (labels) {
    xAxis.values = (u, vs) => vs.map((v) => (Number.isInteger(v) && labels[v] != null ? String(labels[v]).slice(0, 18) : ''));
    xAxis.splits = () => x;
  }
  const opts = {
    width, height: 300,
    scales: { x: { time: !!time, range: labels ? (u, min, max) => [min - 0.6, max + 0.6] : undefined },
      y: { range: (u, min, max) => [Math.min(0, min), max > 0 ? max * 1.05 : 1] } },
    series,
    axes: [xAxis, { size: 60, font: '11px system-ui', values: (u, vs) => vs.map((v) => fmtNum(v)) }],
  };
  return new uPlot(opts, [x, ...ys.map((y) => y.values)], el);
}

/**
 * groupedBars draws series i of n as bars side by side within each
 * category (x is the category index): the group spans 0.7 of a slot.
 */
function groupedBars(i, n) {
  const group = 0.7;
  const w = group / n;
  return uPlot.paths.bars({
    disp: {
      x0: { unit: 1, values: (u) => u.data[0].map((x) => x - group / 2 + i * w) },
      size: { unit: 1, values: () => [w] },
    },
  });
}
