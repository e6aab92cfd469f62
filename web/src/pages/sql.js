// SQL: an editor (Ctrl+Enter runs), the result table, and a line or bar
// chart of the result with axes picked from its columns.
import { sql } from '../api.js';
import { resultChart } from '../chart.js';
import { errorBox, h, mount } from '../dom.js';

const storageKey = 'rheo.console.sql';
const maxShown = 1000;

export function sqlPage(root) {
  const editor = h('textarea', { id: 'sql-editor', spellcheck: 'false', rows: 8, 'aria-label': 'SQL' },
    localStorage.getItem(storageKey) || 'SELECT * FROM rheo_iterations LIMIT 100;');
  const runBtn = h('button', { id: 'sql-run', type: 'button' }, 'Run');
  const cancelBtn = h('button', { id: 'sql-cancel', type: 'button', hidden: true }, 'Cancel');
  const status = h('span', { id: 'sql-status', class: 'muted' }, 'Ctrl+Enter runs');
  const out = h('div', { id: 'sql-out' });
  let chart = null;

  mount(root,
    h('h1', {}, 'SQL'),
    h('p', { class: 'muted' }, 'Runs on POST /v1/sql, in a fresh session per run; several statements separated by ";" run in order (SET then SELECT).'),
    editor,
    h('div', { class: 'controls' }, runBtn, cancelBtn, ' ', status),
    out);

  editor.addEventListener('keydown', (ev) => {
    if ((ev.ctrlKey || ev.metaKey) && ev.key === 'Enter') {
      ev.preventDefault();
      run();
    }
  });
  runBtn.addEventListener('click', run);
  // A query left running burns the server's CPU: Cancel, or leaving the
  // page, drops its connection and rheo cancels it.
  let controller = null;
  cancelBtn.addEventListener('click', () => { if (controller) controller.abort(); });

  let running = false;
  async function run() {
    if (running) return;
    running = true;
    runBtn.disabled = true;
    cancelBtn.hidden = false;
    controller = new AbortController();
    localStorage.setItem(storageKey, editor.value);
    status.textContent = 'running…';
    const t0 = performance.now();
    const ticker = setInterval(() => { status.textContent = `running… ${Math.round((performance.now() - t0) / 1000)} s`; }, 1000);
    try {
      const res = await sql(editor.value, maxShown, controller.signal);
      const wall = performance.now() - t0;
      status.textContent = '';
      mount(status, h('span', { id: 'sql-meta' },
        `${res.rowCount} row${res.rowCount === 1 ? '' : 's'}${res.truncated ? ` (first ${maxShown})` : ''} · ${Number(res.elapsedMs).toFixed(1)} ms on the server, ${wall.toFixed(0)} ms in all` +
        (res.tag ? ` · ${res.tag}` : '')));
      render(res);
    } catch (e) {
      if (chart) { chart.destroy(); chart = null; }
      if (e && e.name === 'AbortError') {
        status.textContent = `cancelled after ${((performance.now() - t0) / 1000).toFixed(1)} s`;
        mount(out);
      } else {
        status.textContent = 'failed';
        mount(out, errorBox(e));
      }
    } finally {
      clearInterval(ticker);
      controller = null;
      running = false;
      runBtn.disabled = false;
      cancelBtn.hidden = true;
    }
  }

  function render(res) {
    if (chart) { chart.destroy(); chart = null; }
    const notices = (res.notices || []).map((n) => h('p', { class: 'notice' }, n));
    if (!res.columns) {
      mount(out, notices, h('p', { class: 'ok' }, res.tag || 'done'));
      return;
    }
    const chartBox = h('div', { id: 'sql-chart', class: 'chart' });
    const controls = h('div', { class: 'controls' });
    mount(out, notices, controls, chartBox, resultTable(res));
    const cols = res.columns.map((c, i) => ({ ...c, i, kind: columnKind(c, res.rows, i) }));
    const numeric = cols.filter((c) => c.kind === 'number');
    if (!res.rows.length || !numeric.length) {
      mount(controls, h('span', { class: 'muted' }, res.rows.length ? 'No numeric column to chart.' : ''));
      return;
    }
    // Default axes: x the first time column, else the first non-numeric
    // one, else the first column; y every other numeric column (up to 4).
    const xDefault = cols.find((c) => c.kind === 'time') || cols.find((c) => c.kind === 'text') || cols[0];
    const kindSel = h('select', { id: 'chart-kind' }, h('option', { value: 'line' }, 'line'), h('option', { value: 'bar' }, 'bar'));
    kindSel.value = xDefault.kind === 'time' ? 'line' : 'bar';
    const xSel = h('select', { id: 'chart-x' }, cols.map((c) => h('option', { value: c.i }, c.name)));
    xSel.value = String(xDefault.i);
    const ySel = h('select', { id: 'chart-y', multiple: true, size: Math.min(4, numeric.length) },
      numeric.map((c) => h('option', { value: c.i }, c.name)));
    const yDefault = numeric.filter((c) => c.i !== xDefault.i).slice(0, 4);
    for (const o of ySel.options) o.selected = yDefault.some((c) => String(c.i) === o.value);
    mount(controls, h('label', {}, 'Chart ', kindSel), ' ', h('label', {}, 'x ', xSel), ' ', h('label', {}, 'y ', ySel));
    const draw = () => {
      if (chart) { chart.destroy(); chart = null; }
      const ys = Array.from(ySel.selectedOptions, (o) => cols[Number(o.value)]);
      if (!ys.length) { mount(chartBox, h('p', { class: 'muted' }, 'Pick a y column.')); return; }
      chartBox.replaceChildren();
      chart = resultChart(chartBox, chartData(kindSel.value, cols[Number(xSel.value)], ys, res.rows), Math.max(320, out.clientWidth - 20));
    };
    for (const s of [kindSel, xSel, ySel]) s.addEventListener('change', draw);
    draw();
  }

  return () => { if (controller) controller.abort(); if (chart) chart.destroy(); };
}

/** columnKind says whether a column charts as number, time or text. */
export function columnKind(col, rows, i) {
  const t = String(col.type || '').toUpperCase();
  // Lists, arrays, structs, maps and intervals are not numbers though
  // their type names may hold INTEGER or DATE (INTEGER[], STRUCT(a INTEGER)).
  if (/\[\d*\]$|^(STRUCT|MAP|UNION)\b|^INTERVAL/.test(t)) return 'text';
  if (/TIMESTAMP|DATE/.test(t)) return 'time';
  if (/INT|DOUBLE|FLOAT|DECIMAL|NUMERIC|REAL/.test(t)) return 'number';
  if (t === '' || t === 'UNKNOWN') {
    const vals = rows.map((r) => r[i]).filter((v) => v != null);
    if (vals.length && vals.every((v) => typeof v === 'number')) return 'number';
  }
  return 'text';
}

/** chartData turns rows into uPlot's columns for the chosen axes. */
export function chartData(kind, xCol, ys, rows) {
  const num = (v) => (v == null || v === '' ? null : Number(v));
  let order = rows.map((_, r) => r);
  let x; let labels = null; let time = false;
  if (kind === 'line' && xCol.kind === 'time') {
    const ts = rows.map((r) => parseTime(r[xCol.i]) / 1000);
    order = order.filter((r) => !Number.isNaN(ts[r])).sort((a, b) => ts[a] - ts[b]);
    x = order.map((r) => ts[r]);
    time = true;
  } else if (kind === 'line' && xCol.kind === 'number') {
    order = order.filter((r) => rows[r][xCol.i] != null).sort((a, b) => num(rows[a][xCol.i]) - num(rows[b][xCol.i]));
    x = order.map((r) => num(rows[r][xCol.i]));
  } else {
    labels = order.map((r) => String(rows[r][xCol.i]));
    x = order.map((_, k) => k);
  }
  return { kind, x, xLabel: xCol.name, labels, time, ys: ys.map((c) => ({ label: c.name, values: order.map((r) => num(rows[r][c.i])) })) };
}

/**
 * parseTime reads a DATE or TIMESTAMP as the page's clock shows it. A bare
 * date ("2026-01-02") is a calendar day, which Date.parse would take as UTC
 * midnight (the evening before, west of Greenwich): it is read as local
 * midnight, like a TIMESTAMP without a zone.
 */
export function parseTime(v) {
  const s = String(v).replace(' ', 'T');
  return Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T00:00:00` : s);
}

function resultTable(res) {
  const cell = (v) => (v == null ? h('span', { class: 'null' }, 'NULL') : typeof v === 'object' ? JSON.stringify(v) : String(v));
  return h('div', { class: 'scroll' }, h('table', { id: 'sql-result' },
    h('thead', {}, h('tr', {}, res.columns.map((c) => h('th', { title: c.type }, c.name)))),
    h('tbody', {}, res.rows.map((r) => h('tr', {}, r.map((v) => h('td', {}, cell(v))))))));
}
