// A tiny DOM builder: enough for tables and forms without a framework.
import { credentials } from './auth.js';

/** h('div', {class: 'x', onclick: fn}, child, ...) builds an element. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'value') el.value = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c == null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces el's content. */
export function mount(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A table of rows (arrays of cells) under headers. */
export function table(headers, rows, attrs) {
  return h('table', attrs || {},
    h('thead', {}, h('tr', {}, headers.map((x) => h('th', {}, x)))),
    h('tbody', {}, rows.length ? rows.map((r) => h('tr', {}, r.map((c) => h('td', {}, c))))
      : h('tr', {}, h('td', { colspan: headers.length, class: 'empty' }, 'none'))));
}

/** An error box; a call refused for want of signing in says so. */
export function errorBox(err) {
  const msg = err && err.isAuth && !credentials()
    ? 'Authentication is on: sign in above with an access key to see this.'
    : String(err && err.message ? err.message : err);
  return h('div', { class: 'error', role: 'alert' }, msg);
}

/** Human units: 1234567 → 1.2 M. */
export function fmtNum(n, unit = '') {
  if (n == null || Number.isNaN(n)) return '–';
  const abs = Math.abs(n);
  const [d, s] = abs >= 1e9 ? [1e9, ' G'] : abs >= 1e6 ? [1e6, ' M'] : abs >= 1e3 ? [1e3, ' k'] : [1, ' '];
  const v = n / d;
  return `${v >= 100 || d === 1 ? Math.round(v * 10) / 10 : v.toFixed(1)}${s}${unit}`.replace(/ $/, '');
}

/** Bytes with binary units. */
export function fmtBytes(n) {
  if (n == null) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (Math.abs(n) >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${i ? n.toFixed(1) : Math.round(n * 10) / 10} ${units[i]}`;
}

/** A time (Date, ms, or ISO string) as local date and time; '–' when unset. */
export function fmtTime(t) {
  if (t == null || t === '' || t === '0001-01-01T00:00:00Z') return '–';
  const d = t instanceof Date ? t : new Date(t);
  return Number.isNaN(d.getTime()) ? String(t) : d.toLocaleString();
}

/** Runs fn now and then ms after each run has finished (never two at
 * once, so a slow server is not piled on); returns a stop function. */
export function every(fn, ms) {
  let timer = null;
  let stopped = false;
  const tick = async () => {
    try { await fn(); } catch { /* fn shows its own errors */ }
    if (!stopped) timer = setTimeout(tick, ms);
  };
  tick();
  return () => { stopped = true; clearTimeout(timer); };
}

/** Maps items through async fn with at most limit calls in flight. */
export async function mapLimit(items, limit, fn) {
  const out = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
