// OrderFlow dashboard entry point: sign-in, the shell, hash routing and the
// live-update wiring shared by every page.

import { api, ApiError } from './js/api.js';
import { h } from './js/dom.js';
import { live } from './js/live.js';
import { session } from './js/session.js';
import { applyAccent, watchSystemTheme } from './js/theme.js';
import { alertToast } from './js/toast.js';
import {
  renderShell, updateStores, updateTheme, updateLive, setActiveNav, setUnread, getUnread, mainElement,
} from './js/shell.js';
import { renderSignIn } from './js/pages/signin.js';
import overview from './js/pages/overview.js';
import orders from './js/pages/orders.js';
import orderDetail from './js/pages/order-detail.js';
import newOrder from './js/pages/new-order.js';
import track from './js/pages/track.js';
import products from './js/pages/products.js';
import alerts from './js/pages/alerts.js';
import flow from './js/pages/flow.js';
import { errorBox } from './js/ui.js';

const ROUTES = [
  { re: /^\/(overview)?$/, page: overview, path: '/overview' },
  { re: /^\/orders$/, page: orders, path: '/orders' },
  { re: /^\/orders\/([^/]+)$/, page: orderDetail, path: '/orders' },
  { re: /^\/new$/, page: newOrder, path: '/new' },
  { re: /^\/track(?:\/([^/]+))?$/, page: track, path: '/track' },
  { re: /^\/products$/, page: products, path: '/products' },
  { re: /^\/alerts$/, page: alerts, path: '/alerts' },
  { re: /^\/flow$/, page: flow, path: '/flow' },
];

const app = document.getElementById('app');
let cleanup = null;
let shellReady = false;
let navigated = false; // false until the first page has been shown

function currentPath() {
  const hash = location.hash.replace(/^#/, '');
  const path = hash.split('?')[0];
  return path.startsWith('/') ? path : `/${path}`;
}

function unmount() {
  if (cleanup) {
    try { cleanup(); } catch (err) { console.warn('page cleanup failed', err); }
  }
  cleanup = null;
}

function route() {
  if (!shellReady) return;
  const main = mainElement();
  const path = currentPath();
  let match = null;
  let entry = null;
  for (const r of ROUTES) {
    match = r.re.exec(path);
    if (match) { entry = r; break; }
  }
  unmount();
  main.replaceChildren();
  main.className = 'main';
  if (!entry) {
    setActiveNav('');
    main.appendChild(h('div', { class: 'page' },
      h('h1', { class: 'page-title', tabindex: '-1' }, 'Page not found'),
      h('p', null, 'There is nothing at ', h('code', null, `#${path}`), '. ', h('a', { href: '#/overview' }, 'Go to the overview'), '.')));
    return;
  }
  setActiveNav(path === '/' ? '/overview' : path);
  const params = match.slice(1).map((p) => (p === undefined ? undefined : decodeURIComponent(p)));
  const pageRoot = h('div', { class: `page page-${entry.page.name}` });
  main.appendChild(pageRoot);
  if (!session.storeId) {
    pageRoot.appendChild(errorBox(new Error('There is no store yet. Create one with `orderflow stores create`.')));
    return;
  }
  try {
    cleanup = entry.page.mount(pageRoot, params) || null;
  } catch (err) {
    console.warn(err);
    pageRoot.replaceChildren(errorBox(err));
  }
  document.title = `${entry.page.title} · ${session.store?.name || 'OrderFlow'}`;
  // Move focus to the new page's heading for keyboard and screen-reader users,
  // but not on first load (keeps the natural tab order from the top).
  if (navigated) {
    const heading = pageRoot.querySelector('.page-title');
    if (heading) heading.focus({ preventScroll: true });
  }
  navigated = true;
}

/** Pulls "#token=…(&store=…)" out of the URL and strips it from the address bar. */
function takeTokenFromHash() {
  const hash = location.hash.replace(/^#/, '');
  if (!hash.startsWith('token=')) return null;
  const params = new URLSearchParams(hash);
  const token = params.get('token');
  const store = params.get('store');
  history.replaceState(null, '', `${location.pathname}${location.search}#/overview`);
  return { token, store };
}

async function signIn(token) {
  try {
    const result = await api('/api/stores', { token, store: null });
    session.setToken(token);
    session.setStores(result.items || []);
    enterApp();
    return null;
  } catch (err) {
    if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
      return 'That token was not accepted. Check it and try again.';
    }
    return err.message || 'Sign-in failed.';
  }
}

function showSignIn(message) {
  shellReady = false;
  unmount();
  live.stop();
  app.removeAttribute('aria-busy');
  renderSignIn(app, { message, onSubmit: signIn });
}

async function refreshUnread() {
  try {
    const page = await api('/api/alerts?unread=true&limit=1');
    if (typeof page.unread === 'number') setUnread(page.unread);
  } catch { /* the badge stays as it was */ }
}

function enterApp() {
  applyAccent(session.store?.color);
  renderShell(app);
  app.removeAttribute('aria-busy');
  shellReady = true;
  if (!location.hash || location.hash === '#' || location.hash === '#/') {
    history.replaceState(null, '', `${location.pathname}${location.search}#/overview`);
  }
  live.start();
  refreshUnread();
  route();
}

function wireGlobalEvents() {
  // The skip link must not change the hash (that is the router's).
  document.querySelector('.skip-link')?.addEventListener('click', (event) => {
    event.preventDefault();
    mainElement()?.focus();
  });
  window.addEventListener('hashchange', () => {
    const taken = takeTokenFromHash();
    if (taken?.token) {
      if (taken.store) session.storeId = taken.store;
      signIn(taken.token).then((problem) => { if (problem) showSignIn(problem); });
      return;
    }
    route();
  });
  session.addEventListener('signout', (event) => showSignIn(event.detail.message));
  session.addEventListener('store', () => {
    applyAccent(session.store?.color);
    updateStores();
    live.start();
    refreshUnread();
    route();
  });
  document.addEventListener('themechange', updateTheme);
  live.addEventListener('mode', (event) => updateLive(event.detail));
  live.addEventListener('notification', (event) => {
    const alert = event.detail;
    alertToast(alert);
    if (!alert.read) {
      const unread = getUnread();
      if (unread !== null) setUnread(unread + 1);
    }
  });
  live.addEventListener('stats', (event) => {
    if (typeof event.detail.activeAlerts === 'number') setUnread(event.detail.activeAlerts);
  });
  document.addEventListener('unread-changed', (event) => setUnread(event.detail));
}

async function boot() {
  watchSystemTheme();
  wireGlobalEvents();
  const taken = takeTokenFromHash();
  if (taken?.store) session.storeId = taken.store;
  const token = taken?.token || session.token;
  if (!token) {
    showSignIn('');
    return;
  }
  const problem = await signIn(token);
  if (problem) {
    session.signOut();
    showSignIn(problem);
  }
}

boot();
