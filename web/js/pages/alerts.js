// Alerts: the store's notifications, newest first, page by page; an unread
// filter; mark one or all read. New ones arrive live at the top.

import { api, query } from '../api.js';
import { h, replace } from '../dom.js';
import { count, dateTime, shortId, timeAgo } from '../format.js';
import { live, onLive } from '../live.js';
import { toast } from '../toast.js';
import { errorBox, pageHeader } from '../ui.js';

const PAGE_SIZE = 30;
let unreadOnlySaved = false;

function mount(root) {
  let unreadOnly = unreadOnlySaved;
  const unreadEl = h('span', { id: 'alerts-unread', class: 'unread-count', 'aria-live': 'polite' });
  const allBtn = h('button', { type: 'button', class: 'seg-btn', id: 'filter-all' }, 'All');
  const unreadBtn = h('button', { type: 'button', class: 'seg-btn', id: 'filter-unread' }, 'Unread');
  const markAll = h('button', { type: 'button', class: 'btn', id: 'mark-all-read' }, 'Mark all read');
  const list = h('ul', { class: 'alert-list', id: 'alert-list', 'aria-label': 'Alerts' });
  const more = h('button', { type: 'button', class: 'btn', id: 'alerts-more' }, 'Load more');
  const stateEl = h('div', { class: 'list-state', role: 'status' });
  const sentinel = h('div', { class: 'sentinel', 'aria-hidden': 'true' });

  replace(root,
    pageHeader('Alerts', unreadEl, h('div', { class: 'segmented', role: 'group', 'aria-label': 'Show' }, allBtn, unreadBtn), markAll),
    list, stateEl, h('div', { class: 'more-row' }, more), sentinel);

  let items = [];
  const byId = new Map(); // id → {alert, li}
  let nextCursor = null;
  let done = false;
  let loadingPage = false;
  let unread = null;
  let gen = 0;
  let disposed = false;

  function setUnreadCount(n) {
    unread = Math.max(0, n);
    unreadEl.textContent = `${count(unread)} unread`;
    unreadEl.dataset.count = String(unread);
    markAll.disabled = unread === 0;
    document.dispatchEvent(new CustomEvent('unread-changed', { detail: unread }));
  }

  function alertItem(a) {
    const id = a.notificationId || a.id;
    const li = h('li', { class: `alert-item alert-${a.type} ${a.read ? 'read' : 'unread'}`, dataset: { id } });
    fillItem(li, a);
    return li;
  }

  function fillItem(li, a) {
    const id = a.notificationId || a.id;
    li.className = `alert-item alert-${a.type} ${a.read ? 'read' : 'unread'}`;
    replace(li,
      h('span', { class: 'alert-type', 'aria-hidden': 'true' }),
      h('div', { class: 'alert-main' },
        h('p', { class: 'alert-title' },
          a.read ? null : h('span', { class: 'visually-hidden' }, 'Unread: '),
          h('span', { class: `type-tag type-${a.type}` }, a.type), ' ', a.title),
        h('p', { class: 'alert-message' }, a.message),
        h('p', { class: 'alert-meta muted' },
          h('time', { datetime: a.createdAt, title: dateTime(a.createdAt) }, timeAgo(a.createdAt)),
          a.orderId ? [' · ', h('a', { href: `#/orders/${a.orderId}` }, `Order ${shortId(a.orderId)}`)] : null)),
      a.read ? h('span', { class: 'muted small read-label' }, 'Read')
        : h('button', { type: 'button', class: 'btn btn-small mark-read', 'aria-label': `Mark “${a.title}” as read`, onClick: () => markRead(id) }, 'Mark read'));
  }

  function renderState(error) {
    allBtn.setAttribute('aria-pressed', String(!unreadOnly));
    unreadBtn.setAttribute('aria-pressed', String(unreadOnly));
    more.hidden = done || loadingPage || Boolean(error);
    if (error) replace(stateEl, errorBox(error, () => { loadPage(); }));
    else if (loadingPage) replace(stateEl, h('span', { class: 'spinner', 'aria-hidden': 'true' }), 'Loading alerts…');
    else if (done && items.length === 0) replace(stateEl, h('p', { class: 'empty-state' }, unreadOnly ? 'No unread alerts' : 'No alerts yet'));
    else replace(stateEl);
  }

  async function loadPage() {
    if (loadingPage || done) return;
    loadingPage = true;
    renderState();
    const myGen = gen;
    try {
      const page = await api(`/api/alerts${query({ limit: PAGE_SIZE, cursor: nextCursor, unread: unreadOnly ? 'true' : '' })}`);
      if (disposed || myGen !== gen) return;
      const fresh = (page.alerts || []).filter((a) => !byId.has(a.notificationId || a.id));
      live.markSeen(fresh);
      for (const a of fresh) {
        const li = alertItem(a);
        byId.set(a.notificationId || a.id, { alert: a, li });
        items.push(a);
        list.appendChild(li);
      }
      nextCursor = page.nextCursor || null;
      done = !nextCursor;
      if (typeof page.unread === 'number') setUnreadCount(page.unread);
      loadingPage = false;
      renderState();
      if (!done) { observer.unobserve(sentinel); observer.observe(sentinel); }
    } catch (e) {
      if (disposed || myGen !== gen) return;
      loadingPage = false;
      renderState(e);
    }
  }

  function reset() {
    gen += 1;
    items = [];
    byId.clear();
    replace(list);
    nextCursor = null;
    done = false;
    loadingPage = false;
    loadPage();
  }

  async function markRead(id) {
    const entry = byId.get(id);
    if (!entry || entry.alert.read) return;
    const button = entry.li.querySelector('.mark-read');
    if (button) button.disabled = true;
    try {
      await api(`/api/alerts/${encodeURIComponent(id)}/read`, { method: 'POST', body: {} });
      entry.alert.read = true;
      fillItem(entry.li, entry.alert);
      if (unread !== null) setUnreadCount(unread - 1);
      const next = entry.li.nextElementSibling?.querySelector('.mark-read') || markAll;
      if (document.activeElement === document.body || !document.activeElement) next.focus();
    } catch (e) {
      if (button) button.disabled = false;
      toast({ type: 'error', title: 'Could not mark the alert read', message: e.message });
    }
  }

  markAll.addEventListener('click', async () => {
    markAll.disabled = true;
    try {
      const res = await api('/api/alerts/read-all', { method: 'POST', body: {} });
      for (const entry of byId.values()) {
        if (!entry.alert.read) { entry.alert.read = true; fillItem(entry.li, entry.alert); }
      }
      setUnreadCount(0);
      toast({ type: 'success', title: 'All alerts marked read', message: typeof res.marked === 'number' ? `${count(res.marked)} marked` : '' });
    } catch (e) {
      markAll.disabled = false;
      toast({ type: 'error', title: 'Could not mark all read', message: e.message });
    }
  });

  allBtn.addEventListener('click', () => { if (unreadOnly) { unreadOnly = false; unreadOnlySaved = false; reset(); } });
  unreadBtn.addEventListener('click', () => { if (!unreadOnly) { unreadOnly = true; unreadOnlySaved = true; reset(); } });
  more.addEventListener('click', loadPage);

  const observer = new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting) && !done && items.length > 0) loadPage();
  }, { rootMargin: '0px 0px 400px 0px' });
  observer.observe(sentinel);

  const off = onLive({
    notification: (a) => {
      const id = a.notificationId || a.id;
      if (byId.has(id)) return;
      if (unreadOnly && a.read) return;
      const li = alertItem(a);
      li.classList.add('fresh');
      byId.set(id, { alert: a, li });
      items.unshift(a);
      list.prepend(li);
      if (!a.read && unread !== null) setUnreadCount(unread + 1);
      renderState();
    },
  });

  reset();
  return () => { disposed = true; observer.disconnect(); off(); };
}

export default { name: 'alerts', title: 'Alerts', mount };
