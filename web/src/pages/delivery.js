// Delivery streams: status (DescribeDeliveryStream), objects and bytes
// written and the last error (rheo's /console/api/deliveries).
import { consoleApi, firehose, listDeliveryStreams } from '../api.js';
import { errorBox, every, fmtBytes, fmtNum, fmtTime, h, mapLimit, mount, table } from '../dom.js';

export function deliveryPage(root) {
  const box = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  mount(root, h('h1', {}, 'Delivery streams'), box);
  let stopped = false;

  async function refresh() {
    const [names, counters] = await Promise.all([
      listDeliveryStreams().catch((e) => e),
      consoleApi('deliveries').then((o) => o.deliveryStreams || []).catch((e) => e),
    ]);
    if (stopped) return;
    const byName = new Map(counters instanceof Error ? [] : counters.map((c) => [c.name, c]));
    let descs = [];
    const parts = [];
    if (names instanceof Error) {
      parts.push(errorBox(names));
      descs = [...byName.keys()].map((n) => ({ name: n }));
    } else {
      descs = await mapLimit(names, 8, (n) => firehose('DescribeDeliveryStream', { DeliveryStreamName: n })
        .then((o) => ({ name: n, d: o.DeliveryStreamDescription })).catch((e) => ({ name: n, error: e })));
    }
    if (stopped) return;
    if (counters instanceof Error) parts.push(errorBox(counters));
    if (!descs.length) {
      parts.push(h('p', { class: 'empty' }, 'No delivery streams yet.'));
    } else {
      parts.push(table(['delivery stream', 'status', 'source', 'destination', 'records', 'objects', 'bytes', 'failed records', 'backlog', 'last object', 'last error'],
        descs.map(({ name, d, error }) => {
          const c = byName.get(name) || {};
          const failure = d && d.FailureDescription ? `${d.FailureDescription.Type}: ${d.FailureDescription.Details}` : '';
          const lastErr = c.lastError ? `${c.lastError}${c.failingSince && !c.failingSince.startsWith('0001') ? ` (failing since ${fmtTime(c.failingSince)}, ${c.attempts} attempt${c.attempts === 1 ? '' : 's'})` : ''}` : failure;
          return [h('b', {}, name),
            error ? errorBox(error) : d ? h('span', { class: `status ${String(d.DeliveryStreamStatus).toLowerCase()}` }, d.DeliveryStreamStatus) : '–',
            d ? d.DeliveryStreamType : '–',
            d ? destination(d) : '–',
            fmtNum(c.records), fmtNum(c.objects), fmtBytes(c.bytes), fmtNum(c.failedRecords), fmtNum(c.backlog),
            fmtTime(c.lastSuccess),
            lastErr ? h('span', { class: 'error-text' }, lastErr) : h('span', { class: 'muted' }, 'none')];
        })));
      parts.push(h('p', { class: 'muted' }, 'Counters are since the server started.'));
    }
    mount(box, parts);
  }
  const stopTimer = every(refresh, 5000);
  return () => { stopped = true; stopTimer(); };
}

function destination(d) {
  const dst = (d.Destinations || [])[0] || {};
  const s3 = dst.ExtendedS3DestinationDescription || dst.S3DestinationDescription;
  if (s3) return `${s3.BucketARN || ''}/${s3.Prefix || ''}`;
  const keys = Object.keys(dst).filter((k) => k !== 'DestinationId');
  return keys.join(', ') || '–';
}
