// The signed-in frame: top bar (store branding, switcher, live status, theme,
// sign out), the side navigation and the <main> region the router fills.

import { h, replace } from './dom.js';
import { icon } from './icons.js';
import { live } from './live.js';
import { session } from './session.js';
import { currentTheme, toggleTheme } from './theme.js';
import { count } from './format.js';

export const NAV = [
  { path: '/overview', label: 'Overview', icon: 'overview' },
  { path: '/orders', label: 'Orders', icon: 'orders' },
  { path: '/new', label: 'New order', icon: 'new' },
  { path: '/track', label: 'Track', icon: 'track' },
  { path: '/products', label: 'Products', icon: 'products' },
  { path: '/alerts', label: 'Alerts', icon: 'alerts' },
  { path: '/flow', label: 'Flow', icon: 'flow' },
];

const MODE_TEXT = {
  live: 'Live',
  connecting: 'Connecting…',
  polling: 'Polling',
  off: 'Offline',
};
const MODE_TITLE = {
  live: 'Receiving live updates from the server',
  connecting: 'Connecting to the live update stream',
  polling: 'Live stream unavailable: refreshing every 5 seconds',
  off: 'Not receiving updates',
};

let refs = null;

export function renderShell(root) {
  const storeSelect = h('select', { id: 'store-select', class: 'select select-compact', 'aria-label': 'Store' });
  storeSelect.addEventListener('change', () => session.selectStore(storeSelect.value));

  const themeButton = h('button', { id: 'theme-toggle', type: 'button', class: 'icon-btn', onClick: toggleTheme });
  const liveBadge = h('span', { id: 'live-status', class: 'live-status', role: 'status' });
  const unreadBadge = h('span', { id: 'alerts-badge', class: 'nav-badge', hidden: true });
  const navToggle = h('button', {
    type: 'button', class: 'icon-btn nav-toggle', 'aria-label': 'Menu', 'aria-expanded': 'false', 'aria-controls': 'sidebar',
  }, icon('menu'));

  const links = NAV.map((item) => h('li', null,
    h('a', { href: `#${item.path}`, class: 'nav-link', dataset: { path: item.path } },
      icon(item.icon), h('span', null, item.label), item.path === '/alerts' ? unreadBadge : null)));
  const sidebar = h('nav', { id: 'sidebar', class: 'sidebar', 'aria-label': 'Main' }, h('ul', null, links));
  navToggle.addEventListener('click', () => {
    const open = sidebar.classList.toggle('open');
    navToggle.setAttribute('aria-expanded', String(open));
  });
  sidebar.addEventListener('click', (e) => {
    if (e.target.closest('a')) {
      sidebar.classList.remove('open');
      navToggle.setAttribute('aria-expanded', 'false');
    }
  });

  const main = h('main', { id: 'main', class: 'main', tabindex: '-1' });
  const storeName = h('span', { id: 'store-name', class: 'store-name' });
  const header = h('header', { class: 'topbar' },
    navToggle,
    h('a', { class: 'brand', href: '#/overview', 'aria-label': 'OrderFlow home' },
      h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, 'OF'),
      h('span', { class: 'brand-text' }, 'OrderFlow')),
    h('span', { class: 'topbar-sep', 'aria-hidden': 'true' }),
    h('span', { class: 'store-brand' }, h('span', { class: 'store-dot', 'aria-hidden': 'true' }), storeName),
    h('div', { class: 'topbar-spacer' }),
    h('label', { class: 'store-switcher' }, h('span', { class: 'visually-hidden' }, 'Store'), storeSelect),
    liveBadge,
    themeButton,
    h('button', { type: 'button', class: 'icon-btn', id: 'sign-out', 'aria-label': 'Sign out', title: 'Sign out', onClick: () => session.signOut('You have signed out.') }, icon('logout')));

  replace(root, h('div', { class: 'shell' }, header, sidebar, main));
  refs = { storeSelect, themeButton, liveBadge, unreadBadge, main, storeName, links: sidebar.querySelectorAll('.nav-link') };
  updateStores();
  updateTheme();
  updateLive(live.mode);
  return main;
}

export function updateStores() {
  if (!refs) return;
  const { storeSelect, storeName } = refs;
  replace(storeSelect, session.stores.map((st) => h('option', { value: st.storeId, selected: st.storeId === session.storeId }, `${st.name} (${st.storeId})`)));
  storeSelect.value = session.storeId || '';
  storeSelect.disabled = session.stores.length < 2;
  storeName.textContent = session.store ? session.store.name : 'No store';
  document.title = session.store ? `${session.store.name} · OrderFlow` : 'OrderFlow';
}

export function updateTheme() {
  if (!refs) return;
  const dark = currentTheme() === 'dark';
  replace(refs.themeButton, icon(dark ? 'sun' : 'moon'));
  refs.themeButton.setAttribute('aria-pressed', String(dark));
  refs.themeButton.setAttribute('aria-label', 'Dark mode');
  refs.themeButton.title = dark ? 'Switch to light mode' : 'Switch to dark mode';
}

export function updateLive(mode) {
  if (!refs) return;
  refs.liveBadge.dataset.mode = mode;
  refs.liveBadge.textContent = MODE_TEXT[mode] || mode;
  refs.liveBadge.title = MODE_TITLE[mode] || '';
}

export function setActiveNav(path) {
  if (!refs) return;
  for (const link of refs.links) {
    const target = link.dataset.path;
    const active = path === target || (target !== '/overview' && path.startsWith(`${target}/`));
    if (active) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

let unread = null;
export function setUnread(n) {
  unread = Math.max(0, n | 0);
  if (!refs) return;
  refs.unreadBadge.hidden = unread === 0;
  refs.unreadBadge.textContent = unread > 99 ? '99+' : count(unread);
  refs.unreadBadge.setAttribute('aria-label', `${unread} unread`);
}
export function getUnread() {
  return unread;
}
export function mainElement() {
  return refs?.main || null;
}
