// Stream detail: shards with their lineage, a live tail of records (text,
// or pretty JSON when a record decodes) and a form to put a test record.
import { fromBase64, kinesis, listShards, toBase64 } from '../api.js';
import { errorBox, fmtTime, h, mount, table } from '../dom.js';

const maxTail = 200;

export function streamPage(root, name) {
  const summary = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const shardsBox = h('div', {});
  const tailBox = h('div', { class: 'tail' });
  const tailStatus = h('div', { id: 'tail-status' });
  const putResult = h('div', {});
  const startSel = h('select', { id: 'tail-start' },
    h('option', { value: 'AGO5' }, 'from 5 minutes ago'),
    h('option', { value: 'LATEST' }, 'new records only'),
    h('option', { value: 'TRIM_HORIZON' }, 'from the oldest record'));
  const pauseBtn = h('button', { type: 'button', id: 'tail-pause', 'aria-pressed': 'false' }, 'Pause');
  const pk = h('input', { id: 'put-key', value: 'console', required: true, size: 16 });
  const data = h('textarea', { id: 'put-data', rows: 3, cols: 60 }, '{"hello": "from the rheo console"}');

  mount(root,
    h('p', {}, h('a', { href: '#/' }, '← Streams')),
    h('h1', {}, name),
    summary,
    h('h2', {}, 'Shards'),
    shardsBox,
    h('h2', {}, 'Put a test record'),
    h('form', { class: 'put', onsubmit: put },
      h('label', {}, 'Partition key ', pk),
      h('label', {}, 'Data ', data),
      h('button', { type: 'submit' }, 'PutRecord')),
    putResult,
    h('h2', {}, 'Live tail'),
    h('div', { class: 'controls' }, h('label', {}, 'Start ', startSel), ' ', pauseBtn,
      h('span', { class: 'muted' }, ` newest first, last ${maxTail} records`)),
    tailStatus,
    tailBox);

  async function put(ev) {
    ev.preventDefault();
    try {
      const out = await kinesis('PutRecord', { StreamName: name, PartitionKey: pk.value, Data: toBase64(data.value) });
      mount(putResult, h('p', { class: 'ok' }, `Stored in ${out.ShardId} as ${out.SequenceNumber}`));
    } catch (e) {
      mount(putResult, errorBox(e));
    }
  }

  let stopped = false;
  let paused = false;
  let gen = 0; // bumps when the tail restarts, ending older loops
  const records = [];
  pauseBtn.addEventListener('click', () => {
    paused = !paused;
    pauseBtn.textContent = paused ? 'Resume' : 'Pause';
    pauseBtn.setAttribute('aria-pressed', String(paused));
  });
  startSel.addEventListener('change', () => startTail());

  async function loadShards() {
    try {
      const [sumOut, shards] = await Promise.all([kinesis('DescribeStreamSummary', { StreamName: name }), listShards(name)]);
      const s = sumOut.StreamDescriptionSummary || {};
      mount(summary, h('p', {}, h('span', { class: `status ${String(s.StreamStatus).toLowerCase()}` }, s.StreamStatus),
        ` · ${s.OpenShardCount} open shard${s.OpenShardCount === 1 ? '' : 's'} · retention ${s.RetentionPeriodHours} h · ${s.StreamModeDetails ? s.StreamModeDetails.StreamMode : ''}`,
        ` · encryption ${s.EncryptionType || 'NONE'} · created ${fmtTime((s.StreamCreationTimestamp || 0) * 1000)}`,
        h('br'), h('code', { class: 'muted' }, s.StreamARN || '')));
      const children = {};
      for (const sh of shards) {
        for (const p of [sh.ParentShardId, sh.AdjacentParentShardId]) if (p) (children[p] ||= []).push(sh.ShardId);
      }
      mount(shardsBox, table(['shard', 'state', 'parents', 'children', 'hash key range', 'first sequence number', 'last sequence number'],
        shards.map((sh) => [h('code', {}, sh.ShardId),
          sh.SequenceNumberRange && sh.SequenceNumberRange.EndingSequenceNumber ? 'closed' : 'open',
          [sh.ParentShardId, sh.AdjacentParentShardId].filter(Boolean).join(', ') || '–',
          (children[sh.ShardId] || []).join(', ') || '–',
          h('span', { class: 'hash' }, `${sh.HashKeyRange.StartingHashKey} – ${sh.HashKeyRange.EndingHashKey}`),
          h('code', {}, sh.SequenceNumberRange ? sh.SequenceNumberRange.StartingSequenceNumber : ''),
          h('code', {}, sh.SequenceNumberRange && sh.SequenceNumberRange.EndingSequenceNumber || '–')]), { class: 'shards' }));
      return shards;
    } catch (e) {
      mount(summary, errorBox(e));
      return null;
    }
  }

  const isOpen = (sh) => !(sh.SequenceNumberRange && sh.SequenceNumberRange.EndingSequenceNumber);
  let tailing = new Set();

  async function startTail() {
    const my = ++gen;
    records.length = 0;
    tailing = new Set();
    renderTail();
    const shards = await loadShards();
    if (!shards) {
      // No stream (or no answer): the summary says why; refreshShards
      // starts the tail if it comes.
      mount(tailBox);
      return;
    }
    const choice = startSel.value;
    for (const sh of shards.filter(isOpen)) {
      tailing.add(sh.ShardId);
      tailShard(my, sh.ShardId, choice);
    }
  }

  // Resharding changes the lineage and opens children: refresh the table
  // and tail new shards from their first record, so nothing is skipped.
  // A stream that was missing (or a server that was down) at the start is
  // tailed from the chosen start once it answers.
  async function refreshShards() {
    const my = gen;
    const shards = await loadShards();
    if (my !== gen || stopped || !shards) return;
    const choice = tailing.size ? 'TRIM_HORIZON' : startSel.value;
    if (!tailing.size) { records.length = 0; renderTail(); } // a stream created anew
    for (const sh of shards.filter(isOpen)) {
      if (tailing.has(sh.ShardId)) continue;
      tailing.add(sh.ShardId);
      tailShard(my, sh.ShardId, choice);
    }
  }
  const shardTimer = setInterval(refreshShards, 10000);

  async function tailShard(my, shardId, choice) {
    let lastSeq = null; // of the newest record shown: a new iterator resumes after it
    async function iterator() {
      const req = { StreamName: name, ShardId: shardId, ShardIteratorType: choice };
      if (lastSeq) { req.ShardIteratorType = 'AFTER_SEQUENCE_NUMBER'; req.StartingSequenceNumber = lastSeq; }
      else if (choice === 'AGO5') { req.ShardIteratorType = 'AT_TIMESTAMP'; req.Timestamp = (Date.now() - 5 * 60 * 1000) / 1000; }
      return (await kinesis('GetShardIterator', req)).ShardIterator;
    }
    let it;
    for (;;) {
      try {
        it = await iterator();
        break;
      } catch (e) {
        if (stopped || my !== gen) return;
        if (e.isNetwork) { await offline(e); continue; }
        tailing.delete(shardId); // refreshShards tries again
        mount(tailBox, errorBox(e));
        return;
      }
    }
    while (!stopped && my === gen && it) {
      if (paused) { await sleep(500); continue; }
      try {
        const out = await kinesis('GetRecords', { ShardIterator: it, Limit: 500 });
        if (my === gen) mount(tailStatus);
        it = out.NextShardIterator;
        if (out.Records && out.Records.length) {
          lastSeq = out.Records[out.Records.length - 1].SequenceNumber;
          // Render each record once, on arrival, and keep only that:
          // records can be 1 MiB each.
          for (const r of out.Records) {
            records.unshift({ shardId, at: r.ApproximateArrivalTimestamp, key: r.PartitionKey, seq: r.SequenceNumber, node: renderData(fromBase64(r.Data)) });
          }
          // Shards are polled separately: keep the merged view newest first.
          records.sort((a, b) => b.at - a.at);
          records.length = Math.min(records.length, maxTail);
          if (my === gen) renderTail();
        }
        // Idle shards poll every second, slower on wide streams: at most
        // ~50 GetRecords/s in all however many shards there are.
        if (!out.Records || out.Records.length < 500) await sleep(Math.max(1000, tailing.size * 20));
      } catch (e) {
        if (e.kind === 'ProvisionedThroughputExceededException') { await sleep(1000); continue; }
        // rheo restarting (or the network gone) must not end the tail:
        // iterators outlive a restart, so the same call is tried again.
        if (e.isNetwork) { await offline(e); continue; }
        // Iterators expire after 5 minutes (a long pause, a sleeping
        // laptop): take a new one after the last record shown.
        if (e.kind === 'ExpiredIteratorException') {
          try { it = await iterator(); continue; } catch (e2) { e = e2; }
        }
        // A deleted stream, say: refreshShards tails it again if it is
        // created anew.
        if (my === gen) tailing.delete(shardId);
        mount(tailBox, errorBox(e));
        return;
      }
    }
  }

  // Says why the tail stalls, keeps the records shown, and waits a bit.
  async function offline(e) {
    if (!stopped) mount(tailStatus, errorBox(`${e.message} Retrying…`));
    await sleep(2000);
  }

  function renderTail() {
    if (!records.length) {
      mount(tailBox, h('p', { class: 'muted' }, 'Waiting for records…'));
      return;
    }
    mount(tailBox, records.map((r) => h('div', { class: 'record' },
      h('div', { class: 'rec-meta' }, fmtTime(r.at * 1000), ' · ', r.shardId, ' · key ',
        h('b', {}, r.key), ' · ', h('code', {}, r.seq)),
      r.node)));
  }

  startTail();
  return () => { stopped = true; gen++; clearInterval(shardTimer); };
}

/** Most characters of a record the tail shows; the rest is summarised. */
export const maxShown = 4096;

/** Shows a record as pretty JSON, text, or hex for binary data; long
 * records are cut at maxShown characters. */
export function renderData(bytes) {
  let text;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const hex = Array.from(bytes.slice(0, 256), (b) => b.toString(16).padStart(2, '0')).join(' ');
    return h('pre', { class: 'data binary' }, `${bytes.length} bytes: ${hex}${bytes.length > 256 ? ' …' : ''}`);
  }
  const t = text.trim();
  if (t.length <= 64 * 1024 && (t.startsWith('{') || t.startsWith('['))) {
    try { return h('pre', { class: 'data json' }, cut(JSON.stringify(JSON.parse(t), null, 2), bytes.length)); } catch { /* plain text */ }
  }
  return h('pre', { class: 'data text' }, cut(text, bytes.length));
}

function cut(text, size) {
  return text.length <= maxShown ? text : `${text.slice(0, maxShown)} … (${size} bytes in all)`;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
