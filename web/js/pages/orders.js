// Orders: every order of the store, newest first, loaded page by page
// (keyset cursor) as an IntersectionObserver sentinel comes into view.
// Only the rows near the viewport are in the DOM (windowing), so scrolling
// through thousands of orders stays smooth; the loaded data is plain objects.

import { api, query } from '../api.js';
import { debounce, h, replace, throttle, uid } from '../dom.js';
import { count, dateTime, label, money, shortId, ORDER_STATUSES, PAYMENT_STATUSES } from '../format.js';
import { onLive } from '../live.js';
import { session } from '../session.js';
import { pageHeader, pill } from '../ui.js';

const PAGE_SIZE = 50;
const ROW_H = 44; // px; must match .orders-table tbody tr height in pages.css
const OVERSCAN = 12;
const COLUMNS = [
  { key: 'order', label: 'Order', width: '11%' },
  { key: 'customer', label: 'Customer', width: '23%' },
  { key: 'items', label: 'Items', width: '9%', num: true },
  { key: 'total', label: 'Total', width: '12%', num: true },
  { key: 'status', label: 'Status', width: '13%' },
  { key: 'payment', label: 'Payment', width: '12%' },
  { key: 'created', label: 'Created', width: '20%' },
];

// Filters survive a trip to an order's detail page and back.
let savedFilters = { status: '', paymentStatus: '', q: '', customer: '', from: '', to: '' };

function dayStart(value) {
  const d = new Date(`${value}T00:00:00`);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString();
}
// `to` is exclusive on the server: the start of the next local day.
function dayEnd(value) {
  const d = new Date(`${value}T00:00:00`);
  if (Number.isNaN(d.getTime())) return '';
  d.setDate(d.getDate() + 1);
  return d.toISOString();
}

function select(id, labelText, options, value) {
  return h('div', { class: 'field field-inline' },
    h('label', { for: id }, labelText),
    h('select', { id, class: 'select' }, options.map(([v, text]) => h('option', { value: v, selected: v === value }, text))));
}

function input(id, labelText, type, value, placeholder) {
  return h('div', { class: 'field field-inline' },
    h('label', { for: id }, labelText),
    h('input', { id, class: 'input', type, value, placeholder, autocomplete: 'off', spellcheck: 'false' }));
}

function mount(root) {
  const filters = { ...savedFilters };
  const ids = { status: uid('f-status'), pay: uid('f-pay'), q: uid('f-q'), customer: uid('f-cust'), from: uid('f-from'), to: uid('f-to') };
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter orders' },
    select(ids.status, 'Status', [['', 'All statuses'], ...ORDER_STATUSES.map((s) => [s, label(s)])], filters.status),
    select(ids.pay, 'Payment', [['', 'All payments'], ...PAYMENT_STATUSES.map((s) => [s, label(s)])], filters.paymentStatus),
    input(ids.q, 'Search', 'search', filters.q, 'Order id or customer name'),
    input(ids.customer, 'Customer', 'text', filters.customer, 'Full name or email'),
    input(ids.from, 'From', 'date', filters.from),
    input(ids.to, 'To', 'date', filters.to),
    h('div', { class: 'field field-inline field-button' },
      h('button', { type: 'reset', class: 'btn btn-ghost' }, 'Clear')));
  const el = (id) => form.querySelector(`#${id}`);

  const newBanner = h('button', { type: 'button', class: 'new-banner', hidden: true });
  const tbody = h('tbody');
  const headRow = h('tr', { 'aria-rowindex': '1' }, COLUMNS.map((c) => h('th', { scope: 'col', class: c.num ? 'num' : null }, c.label)));
  const thead = h('thead', null, headRow);
  const table = h('table', { class: 'table orders-table', id: 'orders-table' },
    h('caption', { class: 'visually-hidden' }, 'Orders, newest first. Select an order to see its details.'),
    h('colgroup', null, COLUMNS.map((c) => h('col', { style: { width: c.width } }))),
    thead, tbody);
  const sentinel = h('div', { class: 'sentinel', 'aria-hidden': 'true' });
  const stateEl = h('div', { class: 'list-state', role: 'status' });
  const scroller = h('div', { class: 'table-scroll', id: 'orders-scroll', tabindex: '0', role: 'region', 'aria-label': 'Orders list' },
    table, sentinel, stateEl);
  const footer = h('p', { class: 'list-footer', id: 'orders-footer', 'aria-live': 'polite' });

  replace(root,
    pageHeader('Orders', h('a', { class: 'btn btn-primary', href: '#/new' }, 'New order')),
    form, newBanner, scroller, footer);

  let items = [];
  let index = new Map(); // orderId → position in items
  let nextCursor = null;
  let done = false;
  let total = null;
  let loadingPage = false;
  let error = null;
  let generation = 0;
  let controller = null;
  let rendered = { first: -1, last: -1, n: -1 };
  let newIds = new Set();
  let disposed = false;

  const filtered = () => Boolean(filters.status || filters.paymentStatus || filters.q || filters.customer || filters.from || filters.to);

  function rowFor(o, i) {
    const itemsCount = Array.isArray(o.items) ? o.items.reduce((sum, l) => sum + (l.quantity || 0), 0) : '';
    const tr = h('tr', { dataset: { id: o.orderId }, 'aria-rowindex': String(i + 2), class: 'row-link' },
      h('td', null, h('a', { class: 'mono', href: `#/orders/${o.orderId}`, title: o.orderId }, shortId(o.orderId))),
      h('td', { class: 'truncate', title: o.customerEmail || o.customerName }, o.customerName),
      h('td', { class: 'num' }, count(itemsCount)),
      h('td', { class: 'num' }, money(o.totalAmount, o.currency || session.currency)),
      h('td', null, pill(o.status)),
      h('td', null, pill(o.paymentStatus, 'payment')),
      h('td', { class: 'muted' }, dateTime(o.createdAt)));
    return tr;
  }

  function spacer(height) {
    const td = h('td', { colspan: COLUMNS.length });
    td.style.height = `${height}px`;
    return h('tr', { class: 'spacer', 'aria-hidden': 'true' }, td);
  }

  function renderRows(force = false) {
    const n = items.length;
    const headH = thead.offsetHeight || ROW_H;
    const viewTop = Math.max(0, scroller.scrollTop - headH);
    const viewH = scroller.clientHeight || 600;
    const first = Math.max(0, Math.floor(viewTop / ROW_H) - OVERSCAN);
    const last = Math.min(n, Math.ceil((viewTop + viewH) / ROW_H) + OVERSCAN);
    if (!force && first === rendered.first && last === rendered.last && n === rendered.n) return;
    rendered = { first, last, n };
    const frag = document.createDocumentFragment();
    if (first > 0) frag.appendChild(spacer(first * ROW_H));
    for (let i = first; i < last; i += 1) frag.appendChild(rowFor(items[i], i));
    if (last < n) frag.appendChild(spacer((n - last) * ROW_H));
    tbody.replaceChildren(frag);
  }

  function renderState() {
    table.setAttribute('aria-rowcount', String((total ?? (done ? items.length : -1)) + 1));
    if (error) {
      replace(stateEl, h('span', { class: 'error-text' }, error.message), ' ',
        h('button', { type: 'button', class: 'btn btn-small', onClick: () => { error = null; loadPage(); } }, 'Try again'));
    } else if (loadingPage) {
      replace(stateEl, h('span', { class: 'spinner', 'aria-hidden': 'true' }), items.length ? 'Loading more orders…' : 'Loading orders…');
    } else if (done && items.length === 0) {
      replace(stateEl, h('p', { class: 'empty-state', id: 'orders-empty' }, filtered() ? 'No orders match these filters' : 'No orders yet'));
    } else if (done) {
      replace(stateEl, h('span', { class: 'muted' }, 'End of the list'));
    } else {
      replace(stateEl);
    }
    if (items.length === 0 && !done) footer.textContent = error ? '' : 'Loading…';
    else if (total !== null && total !== undefined) footer.textContent = `Showing ${count(items.length)} of ${count(Math.max(total, items.length))} orders`;
    else footer.textContent = `Showing ${count(items.length)} order${items.length === 1 ? '' : 's'}`;
    footer.dataset.loaded = String(items.length);
  }

  function params() {
    return {
      status: filters.status,
      paymentStatus: filters.paymentStatus,
      q: filters.q.trim(),
      customer: filters.customer.trim(),
      from: filters.from ? dayStart(filters.from) : '',
      to: filters.to ? dayEnd(filters.to) : '',
      limit: PAGE_SIZE,
    };
  }

  async function loadPage() {
    if (loadingPage || done || error || disposed) return;
    loadingPage = true;
    renderState();
    const gen = generation;
    controller = new AbortController();
    try {
      const page = await api(`/api/orders${query({ ...params(), cursor: nextCursor })}`, { signal: controller.signal });
      if (gen !== generation) return;
      if (items.length === 0 && 'total' in page) total = page.total;
      for (const o of page.items || []) {
        if (index.has(o.orderId)) continue;
        index.set(o.orderId, items.length);
        items.push(o);
      }
      nextCursor = page.nextCursor || null;
      done = !nextCursor;
    } catch (err) {
      if (err.name === 'AbortError' || gen !== generation) return;
      error = err;
    } finally {
      if (gen === generation) {
        loadingPage = false;
        renderRows(true);
        renderState();
        // The observer only reports changes: re-observing reports the
        // sentinel's current state, so a short page keeps loading.
        if (!done && !error) {
          observer.unobserve(sentinel);
          observer.observe(sentinel);
        }
      }
    }
  }

  function reset() {
    generation += 1;
    if (controller) controller.abort();
    items = [];
    index = new Map();
    nextCursor = null;
    done = false;
    total = null;
    error = null;
    loadingPage = false;
    newIds = new Set();
    newBanner.hidden = true;
    scroller.scrollTop = 0;
    renderRows(true);
    loadPage();
  }

  const observer = new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting)) loadPage();
  }, { root: scroller, rootMargin: '0px 0px 600px 0px' });
  observer.observe(sentinel);

  let frame = 0;
  scroller.addEventListener('scroll', () => {
    if (frame) return;
    frame = requestAnimationFrame(() => { frame = 0; renderRows(); });
  }, { passive: true });
  const onResize = throttle(() => renderRows(true), 100);
  window.addEventListener('resize', onResize);

  tbody.addEventListener('click', (event) => {
    if (event.target.closest('a, button')) return;
    const tr = event.target.closest('tr[data-id]');
    if (tr) location.hash = `#/orders/${tr.dataset.id}`;
  });

  const applyFilters = () => {
    filters.status = el(ids.status).value;
    filters.paymentStatus = el(ids.pay).value;
    filters.q = el(ids.q).value;
    filters.customer = el(ids.customer).value;
    filters.from = el(ids.from).value;
    filters.to = el(ids.to).value;
    savedFilters = { ...filters };
    reset();
  };
  const applyText = debounce(applyFilters, 300);
  form.addEventListener('change', (event) => {
    if (event.target.matches('select, input[type=date]')) { applyText.cancel(); applyFilters(); }
  });
  form.addEventListener('input', (event) => {
    if (event.target.matches('input[type=search], input[type=text]')) applyText();
  });
  form.addEventListener('submit', (event) => { event.preventDefault(); applyText.cancel(); applyFilters(); });
  form.addEventListener('reset', () => setTimeout(() => { applyText.cancel(); applyFilters(); }, 0));

  newBanner.addEventListener('click', reset);

  const refreshVisible = throttle(() => renderRows(true), 250);
  const off = onLive({
    order: (o) => {
      if (!o || !o.orderId) return;
      const i = index.get(o.orderId);
      if (i !== undefined) {
        items[i] = { ...items[i], ...o };
        if (i >= rendered.first && i < rendered.last) refreshVisible();
        return;
      }
      // A new order: offer to show it instead of shifting the rows being read.
      const other = filters.paymentStatus || filters.q || filters.customer || filters.from || filters.to;
      if (other || (filters.status && filters.status !== o.status)) return;
      const newest = items.length ? Date.parse(items[0].createdAt) : 0;
      if (Date.parse(o.createdAt) < newest || newIds.has(o.orderId)) return;
      newIds.add(o.orderId);
      newBanner.hidden = false;
      newBanner.textContent = `${count(newIds.size)} new order${newIds.size === 1 ? '' : 's'} · Show`;
    },
  });

  reset();

  return () => {
    disposed = true;
    generation += 1;
    if (controller) controller.abort();
    observer.disconnect();
    window.removeEventListener('resize', onResize);
    cancelAnimationFrame(frame);
    applyText.cancel();
    refreshVisible.cancel();
    off();
  };
}

export default { name: 'orders', title: 'Orders', mount };
