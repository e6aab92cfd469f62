// rheo console: a hash-routed single page. Each page renders into <main>
// and returns a function that stops its timers when the route changes.
import { consoleApi } from './api.js';
import { h, mount } from './dom.js';
import { deliveryPage } from './pages/delivery.js';
import { iterationsPage } from './pages/iterations.js';
import { jobsPage } from './pages/jobs.js';
import { sqlPage } from './pages/sql.js';
import { streamPage } from './pages/stream.js';
import { streamsPage } from './pages/streams.js';
import './style.css';

const routes = [
  { path: '#/', label: 'Streams', page: streamsPage },
  { path: '#/sql', label: 'SQL', page: sqlPage },
  { path: '#/delivery', label: 'Delivery streams', page: deliveryPage },
  { path: '#/iterations', label: 'Iterations', page: iterationsPage },
  { path: '#/jobs', label: 'Jobs', page: jobsPage },
];

const main = h('main', { id: 'main' });
const nav = h('nav', {}, routes.map((r) => h('a', { href: r.path, 'data-route': r.path }, r.label)));
const banner = h('div', { id: 'banner' });
document.body.replaceChildren(
  h('header', {}, h('a', { href: '#/', class: 'brand' }, 'rheo'), nav), banner, main);

let stop = () => {};
function route() {
  stop();
  const hash = location.hash || '#/';
  let stopFn;
  if (hash.startsWith('#/stream/')) {
    stopFn = streamPage(main, decodeURIComponent(hash.slice('#/stream/'.length)));
  } else {
    const r = routes.find((x) => x.path === hash) || routes[0];
    stopFn = r.page(main);
  }
  for (const a of nav.querySelectorAll('a')) {
    a.classList.toggle('active', a.dataset.route === hash || (a.dataset.route === '#/' && hash.startsWith('#/stream/')));
  }
  stop = typeof stopFn === 'function' ? stopFn : () => {};
}
window.addEventListener('hashchange', route);
route();

consoleApi('info').then((info) => {
  if (info.authRequired) {
    mount(banner, h('div', { class: 'warning', role: 'alert' },
      h('b', {}, 'SigV4 auth is on. '),
      'The browser cannot sign requests, so rheo rejects this page\'s calls to the Kinesis and Firehose APIs (stream lists, tail, put, delivery status). ',
      'The rates, delivery counters and lag come from rheo itself and still show; use the AWS CLI or an SDK with credentials for the rest.'));
  }
}).catch(() => {});
