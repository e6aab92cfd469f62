// Iterations: checkpointed logical names, how far each is behind, and the
// per-shard boundaries of their iterations (rheo_iterations' rows, from
// rheo's /console/api/iterations).
import { consoleApi } from '../api.js';
import { errorBox, fmtNum, fmtTime, h, mount, table } from '../dom.js';

const maxRows = 500;

export function iterationsPage(root) {
  const lagBox = h('div', {});
  const box = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  mount(root, h('h1', {}, 'Iterations'),
    h('p', { class: 'muted' }, 'Logical names of checkpointed queries (SET kinesis.checkpoint.*; SELECT * FROM rheo_iterations in SQL) and the per-shard boundaries of each iteration.'),
    h('h2', {}, 'Lag'), lagBox, h('h2', {}, `Boundaries (newest first, up to ${maxRows})`), box);
  let stopped = false;
  (async () => {
    const [lags, its] = await Promise.all([consoleApi('lag').catch((e) => e), consoleApi('iterations').catch((e) => e)]);
    if (stopped) return;
    if (lags instanceof Error) mount(lagBox, errorBox(lags));
    else mount(lagBox, table(['logical name', 'stream', 'latest iteration', 'records behind', 'created'],
      (lags.lags || []).map((l) => [h('b', {}, l.logicalName), l.stream, String(l.iteration), fmtNum(l.records), fmtTime(l.createdAt)])));
    if (its instanceof Error) { mount(box, errorBox(its)); return; }
    const rows = (its.iterations || []).slice().sort((a, b) =>
      a.logicalName.localeCompare(b.logicalName) || a.stream.localeCompare(b.stream) ||
      b.iteration - a.iteration || a.shardId.localeCompare(b.shardId));
    if (!rows.length) { mount(box, h('p', { class: 'empty' }, 'No logical names yet.')); return; }
    mount(box, table(['logical name', 'stream', 'iteration', 'shard', 'first sequence number', 'last sequence number', 'created'],
      rows.slice(0, maxRows).map((b) => [b.logicalName, b.stream, String(b.iteration), b.shardId,
        h('code', {}, b.startSequenceNumber || '– (empty)'), h('code', {}, b.endSequenceNumber || '–'), fmtTime(b.createdAt)]),
      { class: 'small', id: 'iterations' }),
      its.omitted ? h('p', { class: 'muted' }, `${its.omitted} older boundaries not shown (the newest ${its.perName || 50} iterations of each logical name are); SELECT * FROM rheo_iterations lists them all.`) : null);
  })();
  return () => { stopped = true; };
}
