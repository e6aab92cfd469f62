// Streams: every stream with its shards, status, retention, incoming
// rates over the last 15 minutes, fan-out consumers' lag and the lag of
// checkpointed logical names. Refreshes every 5 s.
import { consoleApi, kinesis, listStreams } from '../api.js';
import { rateChart } from '../chart.js';
import { errorBox, every, fmtBytes, fmtNum, fmtTime, h, mapLimit, mount, table } from '../dom.js';

export function streamsPage(root) {
  const charts = new Map(); // stream → uPlot
  const list = h('div', { id: 'streams' }, h('p', { class: 'muted' }, 'Loading streams…'));
  const lagBox = h('div', {});
  mount(root,
    h('h1', {}, 'Streams'),
    list,
    h('h2', {}, 'Lag of checkpointed logical names'),
    h('p', { class: 'muted' }, 'Records between the end of each logical name\'s latest iteration and the shard tips.'),
    lagBox);

  let stopped = false;
  const known = new Map(); // stream → its last summary, for throttled refreshes
  const pace = { on: false };
  async function refresh() {
    const [streams, series, lags] = await Promise.all([
      loadStreams(known, pace).catch((e) => e),
      consoleApi('series').catch(() => null),
      consoleApi('lag').catch((e) => e),
    ]);
    if (stopped) return;
    if (streams instanceof Error) {
      mount(list, errorBox(streams));
    } else if (streams.length === 0) {
      charts.forEach((c) => c.destroy());
      charts.clear();
      mount(list, h('p', { class: 'empty' }, 'No streams yet. Create one: ',
        h('code', {}, 'aws kinesis create-stream --stream-name demo --shard-count 1 --endpoint-url ' + location.origin)));
    } else {
      renderStreams(list, streams, series, charts);
    }
    if (lags instanceof Error) mount(lagBox, errorBox(lags));
    else mount(lagBox, table(['logical name', 'stream', 'latest iteration', 'records behind', 'iteration created'],
      (lags.lags || []).map((l) => [l.logicalName, h('a', { href: `#/stream/${encodeURIComponent(l.stream)}` }, l.stream),
        String(l.iteration), fmtNum(l.records), fmtTime(l.createdAt)])));
  }
  const stopTimer = every(refresh, 5000);
  return () => { stopped = true; stopTimer(); charts.forEach((c) => c.destroy()); };
}

// Under --enforce-limits DescribeStreamSummary has AWS's quota of 20 calls
// a second per account, which a refresh of a few dozen streams spends at
// once, and which the user's own code is testing against. Once throttled,
// the page paces itself to half of it and shows a throttled stream's last
// summary rather than the error.
const pacedGapMs = 100;

async function loadStreams(known, pace) {
  const names = await listStreams();
  const describe = async (name) => {
    if (pace.on) await sleep(pacedGapMs);
    const sum = await kinesis('DescribeStreamSummary', { StreamName: name })
      .then((o) => o.StreamDescriptionSummary || {}).catch((e) => ({ error: e }));
    if (sum.error && sum.error.kind === 'LimitExceededException') {
      pace.on = true;
      return known.get(name) || null; // null: try again, paced
    }
    let consumers = [];
    if (sum.StreamARN) {
      consumers = await kinesis('ListStreamConsumers', { StreamARN: sum.StreamARN }).then((o) => o.Consumers || []).catch(() => []);
    }
    const s = { name, sum, consumers };
    if (!sum.error) known.set(name, s);
    return s;
  };
  // A few calls at a time: hundreds of streams must not mean hundreds of
  // concurrent requests every refresh.
  const out = await mapLimit(names, pace.on ? 1 : 8, describe);
  for (let i = 0; i < out.length; i++) {
    if (!out[i]) out[i] = (await describe(names[i])) || { name: names[i], sum: { error: new Error('LimitExceededException: Rate exceeded; retrying at the next refresh') }, consumers: [] };
  }
  for (const name of known.keys()) if (!names.includes(name)) known.delete(name);
  return out;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function renderStreams(list, streams, series, charts) {
  const seen = new Set();
  const t = series ? series.t : [];
  const rows = streams.map((s) => {
    seen.add(s.name);
    const ss = series && series.streams[s.name];
    const data = [t, ss ? ss.records : t.map(() => null), ss ? ss.bytes : t.map(() => null)];
    const last = (a) => { for (let i = a.length - 1; i >= 0; i--) if (a[i] != null) return a[i]; return null; };
    let holder = list.querySelector(`[data-chart="${CSS.escape(s.name)}"]`);
    let chart = charts.get(s.name);
    if (!holder) {
      holder = h('div', { class: 'chart', 'data-chart': s.name });
      if (chart) { chart.destroy(); chart = null; }
    }
    if (chart) chart.setData(data);
    else if (series) {
      chart = rateChart(holder, data, 420, series.windowSeconds);
      charts.set(s.name, chart);
    } else mount(holder, h('span', { class: 'muted' }, 'no counters'));
    const sum = s.sum;
    const lagOf = (c) => (ss && ss.consumers && ss.consumers[c.ConsumerName] != null ? `${fmtNum(ss.consumers[c.ConsumerName])} ms behind` : 'not subscribed');
    return h('tr', { 'data-stream': s.name },
      h('td', {}, h('a', { href: `#/stream/${encodeURIComponent(s.name)}`, class: 'stream-name' }, s.name)),
      h('td', {}, sum.error ? errorBox(sum.error) : h('span', { class: `status ${String(sum.StreamStatus).toLowerCase()}` }, sum.StreamStatus)),
      h('td', { class: 'num' }, sum.OpenShardCount ?? '–'),
      h('td', {}, sum.StreamModeDetails ? sum.StreamModeDetails.StreamMode : '–'),
      h('td', { class: 'num' }, sum.RetentionPeriodHours != null ? `${sum.RetentionPeriodHours} h` : '–'),
      h('td', { class: 'num' }, ss ? fmtNum(last(ss.records)) : '–', h('br'), h('span', { class: 'muted' }, ss ? fmtBytes(last(ss.bytes)) + '/s' : '')),
      h('td', {}, holder),
      h('td', {}, s.consumers.length ? h('ul', { class: 'plain' }, s.consumers.map((c) =>
        h('li', {}, h('b', {}, c.ConsumerName), ` ${c.ConsumerStatus} · ${lagOf(c)}`))) : h('span', { class: 'muted' }, 'none')));
  });
  for (const [name, c] of charts) if (!seen.has(name)) { c.destroy(); charts.delete(name); }
  // Keep the chart holders (and their canvases) when re-rendering.
  mount(list, h('table', { class: 'streams' },
    h('thead', {}, h('tr', {}, ['stream', 'status', 'open shards', 'mode', 'retention', 'records/s now',
      'incoming, last 15 min', 'fan-out consumers (lag)'].map((x) => h('th', {}, x)))),
    h('tbody', {}, rows)));
}
