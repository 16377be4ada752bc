// Overview: stat cards, orders by status, orders per minute (from the first
// page of orders plus every live `order` event since the page opened) and
// the most recent orders.

import { api } from '../api.js';
import { barChart, lineChart } from '../charts.js';
import { h, replace, throttle } from '../dom.js';
import { count, money, shortId, timeAgo, label, ORDER_STATUSES } from '../format.js';
import { onLive } from '../live.js';
import { session } from '../session.js';
import { errorBox, loading, pageHeader, pill } from '../ui.js';

const MINUTES = 30;
const RECENT_ROWS = 8;

function card(title, id, hint) {
  const value = h('p', { class: 'stat-value', id: `stat-${id}` }, '—');
  const sub = h('p', { class: 'stat-hint' }, hint);
  return { el: h('section', { class: 'card stat-card', 'aria-labelledby': `stat-${id}-label` },
    h('h2', { class: 'stat-label', id: `stat-${id}-label` }, title), value, sub), value, sub };
}

function mount(root) {
  const cards = {
    orders: card('Total orders', 'orders', 'Last 7 days'),
    revenue: card('Revenue', 'revenue', 'Paid and fulfilled, 7 days'),
    alerts: card('Active alerts', 'alerts', 'Unread notifications'),
    rate: card('Fulfilment rate', 'rate', 'Fulfilled, shipped or delivered'),
  };
  const statusChart = h('div', { class: 'chart-box', id: 'chart-status' }, loading());
  const minuteChart = h('div', { class: 'chart-box', id: 'chart-minute' }, loading());
  const minuteNote = h('p', { class: 'card-note' });
  const recentBody = h('tbody');
  const recentTable = h('table', { class: 'table table-compact' },
    h('thead', null, h('tr', null,
      h('th', { scope: 'col' }, 'Order'), h('th', { scope: 'col' }, 'Customer'),
      h('th', { scope: 'col', class: 'num' }, 'Total'), h('th', { scope: 'col' }, 'Status'), h('th', { scope: 'col' }, 'Created'))),
    recentBody);
  const errorSlot = h('div');

  replace(root,
    pageHeader('Overview', h('a', { class: 'btn btn-primary', href: '#/new' }, 'New order')),
    errorSlot,
    h('div', { class: 'stat-grid' }, Object.values(cards).map((c) => c.el)),
    h('div', { class: 'chart-grid' },
      h('section', { class: 'card', 'aria-labelledby': 'h-status' },
        h('h2', { class: 'card-title', id: 'h-status' }, 'Orders by status'), statusChart),
      h('section', { class: 'card', 'aria-labelledby': 'h-minute' },
        h('h2', { class: 'card-title', id: 'h-minute' }, 'Orders per minute'), minuteChart, minuteNote)),
    h('section', { class: 'card', 'aria-labelledby': 'h-recent' },
      h('div', { class: 'card-head' },
        h('h2', { class: 'card-title', id: 'h-recent' }, 'Recent orders'),
        h('a', { href: '#/orders' }, 'All orders →')),
      h('div', { class: 'table-wrap' }, recentTable)));

  const created = new Map(); // orderId → createdAt (ms)
  const recent = new Map(); // orderId → {orderId, customerName, totalAmount, status, createdAt}
  let disposed = false;

  function renderStats(stats) {
    cards.orders.value.textContent = count(stats.totalOrders);
    cards.revenue.value.textContent = money(stats.revenue, session.currency);
    cards.alerts.value.textContent = count(stats.activeAlerts);
    cards.alerts.el.classList.toggle('stat-warn', stats.activeAlerts > 0);
    const rate = Number(stats.fulfillmentRate);
    cards.rate.value.textContent = Number.isFinite(rate) ? `${rate.toFixed(1)}%` : '—';
    const byStatus = stats.ordersByStatus || {};
    replace(statusChart, barChart(
      ORDER_STATUSES.map((st) => ({ label: label(st), value: byStatus[st] || 0, className: `status-${st}` })),
      { title: 'Orders by status' }));
  }

  function renderMinutes() {
    const now = Date.now();
    const end = Math.floor(now / 60000) * 60000;
    const start = end - (MINUTES - 1) * 60000;
    const buckets = new Array(MINUTES).fill(0);
    for (const t of created.values()) {
      if (t < start || t >= end + 60000) continue;
      buckets[Math.floor((t - start) / 60000)] += 1;
    }
    replace(minuteChart, lineChart(buckets.map((v, i) => ({ t: start + i * 60000, v })), { title: 'Orders per minute' }));
    const inWindow = buckets.reduce((a, b) => a + b, 0);
    minuteNote.textContent = `${count(inWindow)} orders in the last ${MINUTES} minutes (newest ${count(created.size)} tracked live since this page opened).`;
  }

  function renderRecent() {
    const rows = [...recent.values()].sort((a, b) => b.createdAt - a.createdAt).slice(0, RECENT_ROWS);
    if (rows.length === 0) {
      replace(recentBody, h('tr', null, h('td', { colspan: 5, class: 'empty-cell' }, 'No orders yet')));
      return;
    }
    replace(recentBody, rows.map((o) => h('tr', null,
      h('td', null, h('a', { class: 'mono', href: `#/orders/${o.orderId}` }, shortId(o.orderId))),
      h('td', { class: 'truncate' }, o.customerName),
      h('td', { class: 'num' }, money(o.totalAmount, session.currency)),
      h('td', null, pill(o.status)),
      h('td', { class: 'muted' }, timeAgo(o.createdAt)))));
  }

  function addRecent(list) {
    for (const r of list) {
      const t = Date.parse(r.createdAt);
      if (!r.orderId || !Number.isFinite(t)) continue;
      created.set(r.orderId, t);
      recent.set(r.orderId, {
        orderId: r.orderId, customerName: r.customer, totalAmount: r.amount,
        status: r.orderStatus || r.status, createdAt: t,
      });
    }
  }

  const rerender = throttle(() => { if (!disposed) { renderMinutes(); renderRecent(); } }, 500);

  async function load() {
    try {
      const stats = await api('/api/dashboard/stats');
      if (disposed) return;
      replace(errorSlot);
      renderStats(stats);
      addRecent(stats.recentOrders || []);
      renderMinutes();
      renderRecent();
    } catch (err) {
      if (!disposed) replace(errorSlot, errorBox(err, load));
    }
  }

  const off = onLive({
    stats: (stats) => renderStats(stats),
    recent: (list) => { addRecent(list); rerender(); },
    order: (o) => {
      const t = Date.parse(o.createdAt);
      if (!o.orderId || !Number.isFinite(t)) return;
      created.set(o.orderId, t);
      recent.set(o.orderId, { orderId: o.orderId, customerName: o.customerName, totalAmount: o.totalAmount, status: o.status, createdAt: t });
      // Bound the memory: keep the 5,000 seen last (Map keeps insertion order).
      while (created.size > 5000) {
        const oldest = created.keys().next().value;
        created.delete(oldest);
        recent.delete(oldest);
      }
      rerender();
    },
  });
  // Slide the minute window even when nothing happens.
  const tick = setInterval(() => { if (document.visibilityState !== 'hidden') rerender(); }, 20000);
  load();
  return () => {
    disposed = true;
    off();
    clearInterval(tick);
    rerender.cancel();
  };
}

export default { name: 'overview', title: 'Overview', mount };
