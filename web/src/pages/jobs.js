// Jobs: scheduled queries and their last runs, from the rheo_jobs and
// rheo_job_runs tables when this build has them.
import { sql } from '../api.js';
import { errorBox, h, mount, table } from '../dom.js';

export function jobsPage(root) {
  const box = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  mount(root, h('h1', {}, 'Jobs'), box);
  (async () => {
    let jobs;
    try {
      jobs = await sql('SELECT * FROM rheo_jobs', 1000);
    } catch (e) {
      if (/does not exist|not found|Catalog Error/i.test(e.message)) {
        mount(box, h('p', { class: 'empty', id: 'no-jobs' }, 'No jobs: this server has no scheduled queries (rheo_jobs is missing).'));
      } else mount(box, errorBox(e));
      return;
    }
    if (!jobs.rows.length) {
      mount(box, h('p', { class: 'empty', id: 'no-jobs' }, 'No jobs yet. Schedule one with ', h('code', {}, "CREATE JOB name EVERY '1 minute' AS …")));
      return;
    }
    const parts = [genericTable(jobs), h('h2', {}, 'Last runs')];
    try {
      let runs;
      try {
        runs = await sql('SELECT * FROM rheo_job_runs ORDER BY started DESC LIMIT 100', 100);
      } catch {
        runs = await sql('SELECT * FROM rheo_job_runs LIMIT 100', 100);
      }
      parts.push(runs.rows.length ? genericTable(runs) : h('p', { class: 'empty' }, 'No runs yet.'));
    } catch (e) {
      parts.push(errorBox(e));
    }
    mount(box, parts);
  })();
  return () => {};
}

function genericTable(res) {
  // Scrolls sideways on its own: rheo_jobs is wider than the page.
  return h('div', { class: 'scroll' }, table(res.columns.map((c) => c.name), res.rows.map((r) => r.map((v) =>
    (v == null ? '–' : typeof v === 'object' ? JSON.stringify(v) : String(v)))), { class: 'small generic' }));
}
