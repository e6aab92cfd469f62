// rheo console: a hash-routed single page. Each page renders into <main>
// and returns a function that stops its timers when the route changes.
import { consoleApi } from './api.js';
import { credentials, signIn, signOut } from './auth.js';
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
const account = h('div', { id: 'account' });
document.body.replaceChildren(
  h('header', {}, h('a', { href: '#/', class: 'brand' }, 'rheo'), nav, account), banner, main);

let stop = () => {};
function route() {
  stop();
  const hash = location.hash || '#/';
  let stopFn;
  if (hash.startsWith('#/stream/')) {
    const raw = hash.slice('#/stream/'.length);
    let name = raw;
    // A hand-typed URL may not decode ("%"): show it as typed, and Kinesis
    // says why no stream has that name, rather than a blank page.
    try { name = decodeURIComponent(raw); } catch { /* keep raw */ }
    stopFn = streamPage(main, name);
  } else {
    const r = routes.find((x) => x.path === hash) || routes[0];
    stopFn = r.page(main);
  }
  for (const a of nav.querySelectorAll('a')) {
    const on = a.dataset.route === hash || (a.dataset.route === '#/' && hash.startsWith('#/stream/'));
    a.classList.toggle('active', on);
    // Screen readers say which page is open, as the underline shows.
    if (on) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  stop = typeof stopFn === 'function' ? stopFn : () => {};
}
window.addEventListener('hashchange', route);
route();

// With SigV4 auth on, the page asks for an access key and signs its calls
// (auth.js); until then every API refuses it.
function signInForm(message) {
  const akid = h('input', { id: 'signin-akid', name: 'username', autocomplete: 'username', required: true, spellcheck: 'false' });
  const secret = h('input', { id: 'signin-secret', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const region = h('input', { id: 'signin-region', name: 'region', value: 'us-east-1', required: true, spellcheck: 'false' });
  const status = h('span', { class: 'error', role: 'alert' }, message || '');
  const form = h('form', { class: 'signin', onsubmit: async (e) => {
    e.preventDefault();
    signIn(akid.value.trim(), secret.value, region.value.trim());
    try {
      await consoleApi('whoami');
    } catch (err) {
      signOut();
      mount(status, err.message);
      return;
    }
    showAccount();
  } },
  h('b', {}, 'Authentication is on. '),
  'Sign in with an access key; it stays in this tab and signs each call here, the secret is never sent. ',
  h('label', {}, 'Access key ID ', akid), ' ',
  h('label', {}, 'Secret access key ', secret), ' ',
  h('label', {}, 'Region ', region), ' ',
  h('button', { type: 'submit' }, 'Sign in'), ' ', status);
  return h('div', { class: 'warning' }, form);
}

async function showAccount() {
  const c = credentials();
  if (!c) {
    mount(account);
    mount(banner, signInForm());
    route();
    return;
  }
  let who = c.accessKeyId;
  try {
    who = (await consoleApi('whoami')).identity || who;
  } catch (err) {
    // The kept key no longer works (the server's credentials changed).
    signOut();
    mount(account);
    mount(banner, signInForm(err.message));
    route();
    return;
  }
  mount(banner);
  mount(account, h('span', { id: 'signed-in', class: 'muted' }, who), ' ',
    h('button', { type: 'button', id: 'sign-out', onclick: () => { signOut(); showAccount(); } }, 'Sign out'));
  route();
}

consoleApi('info').then((info) => {
  if (info.authRequired) showAccount();
}).catch(() => {});
