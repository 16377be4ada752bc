// One order: summary, items and totals, the history timeline, the engine
// trace (every event and each step's delivery of it), and the actions the
// order's state allows (cancel; approve / reject a flagged order).

import { api, ApiError } from '../api.js';
import { h, replace, throttle } from '../dom.js';
import { dateTime, label, money, shortId, TERMINAL_STATUSES, newUuid } from '../format.js';
import { live, onLive } from '../live.js';
import { toast } from '../toast.js';
import { errorBox, loading, pageHeader, pill } from '../ui.js';

const CANCELLABLE = new Set(['pending', 'flagged', 'paid']);

export function timeline(history) {
  if (!history || history.length === 0) return h('p', { class: 'muted' }, 'No history yet.');
  return h('ol', { class: 'timeline' }, history.map((entry, i) => h('li', {
    class: `timeline-item ${i === history.length - 1 ? 'current' : ''} event-${String(entry.status).toLowerCase()}`,
  },
  h('span', { class: 'timeline-dot', 'aria-hidden': 'true' }),
  h('div', { class: 'timeline-body' },
    h('p', { class: 'timeline-title' }, label(String(entry.status).toLowerCase())),
    entry.detail ? h('p', { class: 'timeline-detail' }, entry.detail) : null,
    h('time', { class: 'timeline-time', datetime: entry.timestamp }, dateTime(entry.timestamp))))));
}

function dl(pairs) {
  return h('dl', { class: 'kv' }, pairs.filter(Boolean).map(([k, v]) => [h('dt', null, k), h('dd', null, v)]));
}

function traceTable(trace) {
  const rows = [];
  for (const ev of trace.events || []) {
    const deliveries = ev.deliveries || [];
    const head = (span) => [
      h('td', { rowspan: span, class: 'mono' }, ev.topic),
      h('td', { rowspan: span, class: 'muted nowrap' }, dateTime(ev.emittedAt)),
    ];
    if (deliveries.length === 0) {
      rows.push(h('tr', null, head(1), h('td', { colspan: 5, class: 'muted' }, 'No subscribing step')));
      continue;
    }
    deliveries.forEach((d, i) => rows.push(h('tr', { class: `trace-${d.state}`, dataset: { step: d.step } },
      i === 0 ? head(deliveries.length) : null,
      h('td', { class: 'mono nowrap' }, d.step),
      h('td', null, pill(d.state === 'pending' && d.attempts > 0 ? 'retrying' : d.state, 'delivery')),
      h('td', { class: 'num' }, String(d.attempts ?? 0)),
      h('td', { class: 'num' }, d.latencyMs === null || d.latencyMs === undefined ? '—' : `${d.latencyMs} ms`),
      h('td', { class: 'error-text wrap' }, d.lastError || ''))));
  }
  if (rows.length === 0) return h('p', { class: 'muted' }, 'No events recorded for this order.');
  return h('div', { class: 'table-wrap' }, h('table', { class: 'table table-compact trace-table', id: 'trace-table' },
    h('thead', null, h('tr', null,
      ['Event', 'Emitted', 'Step', 'State', 'Attempts', 'Latency', 'Last error'].map((t, i) =>
        h('th', { scope: 'col', class: i === 4 || i === 5 ? 'num' : null }, t)))),
    h('tbody', null, rows)));
}

function mount(root, [orderId]) {
  const body = h('div', { class: 'detail' }, loading('Loading order…'));
  const actions = h('div', { class: 'actions', id: 'order-actions' });
  const heading = pageHeader(`Order ${shortId(orderId)}`, actions);
  replace(root,
    h('nav', { class: 'breadcrumb', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/orders' }, '← Orders')),
    heading, body);

  let order = null;
  let disposed = false;
  let pollTimer = 0;
  let busy = false;
  let confirmTimer = 0;

  async function act(path, payload, success) {
    if (busy) return;
    busy = true;
    renderActions();
    try {
      await api(path, { method: 'POST', body: payload, idempotencyKey: newUuid() });
      toast({ type: 'success', title: success, message: `Order ${shortId(orderId)}` });
      await load();
    } catch (err) {
      toast({ type: 'error', title: 'Action failed', message: err.message });
    } finally {
      busy = false;
      renderActions();
    }
  }

  function renderActions() {
    clearTimeout(confirmTimer);
    replace(actions);
    if (!order) return;
    if (order.status === 'flagged') {
      actions.append(
        h('button', { type: 'button', class: 'btn btn-primary', id: 'approve', disabled: busy,
          onClick: () => act(`/api/orders/${orderId}/review`, { decision: 'approve' }, 'Order approved') }, 'Approve'),
        h('button', { type: 'button', class: 'btn btn-danger', id: 'reject', disabled: busy,
          onClick: () => act(`/api/orders/${orderId}/review`, { decision: 'reject' }, 'Order rejected') }, 'Reject'));
    }
    if (CANCELLABLE.has(order.status)) {
      // Two-step confirmation in place of a modal dialog.
      const cancel = h('button', { type: 'button', class: 'btn btn-danger-outline', id: 'cancel-order', disabled: busy }, 'Cancel order');
      cancel.addEventListener('click', () => {
        if (cancel.dataset.armed) {
          act(`/api/orders/${orderId}/cancel`, {}, 'Order cancelled');
          return;
        }
        cancel.dataset.armed = '1';
        cancel.textContent = 'Confirm cancel';
        cancel.classList.add('btn-danger');
        confirmTimer = setTimeout(() => {
          delete cancel.dataset.armed;
          cancel.textContent = 'Cancel order';
          cancel.classList.remove('btn-danger');
        }, 5000);
      });
      actions.append(cancel);
    }
    actions.append(h('a', { class: 'btn', href: `#/track/${orderId}` }, 'Track'));
  }

  function retryNotice(trace) {
    const stuck = [];
    for (const ev of trace?.events || []) {
      for (const d of ev.deliveries || []) {
        if (d.state === 'pending' && d.attempts > 0) stuck.push(d);
        if (d.state === 'dead') stuck.push(d);
      }
    }
    if (stuck.length === 0) return null;
    return h('div', { class: 'notice notice-warn', role: 'status', id: 'retry-notice' }, stuck.map((d) => h('p', null,
      h('strong', null, d.state === 'dead' ? `${d.step} gave up` : `${d.step} is retrying`),
      ` after ${d.attempts} attempt${d.attempts === 1 ? '' : 's'}${d.lastError ? `: ${d.lastError}` : ''}`,
      d.state === 'dead' ? ' (see Dead letters on the Flow page)' : d.nextAttemptAt ? ` · next try ${dateTime(d.nextAttemptAt)}` : '')));
  }

  function render(o, trace) {
    const currency = o.currency || 'USD';
    const items = o.items || [];
    replace(body,
      h('div', { class: 'detail-status' },
        pill(o.status), h('span', { class: 'mono muted select-all' }, o.orderId),
        o.failureReason ? h('span', { class: 'error-text' }, `Reason: ${label(o.failureReason)}`) : null),
      retryNotice(trace),
      h('div', { class: 'detail-grid' },
        h('div', { class: 'detail-col' },
        h('section', { class: 'card', 'aria-labelledby': 'h-summary' },
          h('h2', { class: 'card-title', id: 'h-summary' }, 'Summary'),
          dl([
            ['Customer', o.customerName],
            ['Email', o.customerEmail || '—'],
            ['Total', h('strong', null, money(o.totalAmount, currency))],
            ['Payment', pill(o.paymentStatus, 'payment')],
            ['Fulfilment', label(o.fulfillmentStatus)],
            ['Tracking', o.trackingNumber ? h('span', { class: 'mono' }, `${o.trackingNumber}${o.carrier ? ` · ${o.carrier}` : ''}`) : '—'],
            ['Created', dateTime(o.createdAt)],
            ['Updated', dateTime(o.updatedAt)],
          ])),
        h('section', { class: 'card', 'aria-labelledby': 'h-items' },
          h('h2', { class: 'card-title', id: 'h-items' }, 'Items'),
          h('div', { class: 'table-wrap' }, h('table', { class: 'table table-compact' },
            h('thead', null, h('tr', null,
              h('th', { scope: 'col' }, 'Product'), h('th', { scope: 'col', class: 'num' }, 'Qty'),
              h('th', { scope: 'col', class: 'num' }, 'Unit'), h('th', { scope: 'col', class: 'num' }, 'Line total'))),
            h('tbody', null, items.map((l) => h('tr', null,
              h('td', null, l.productName, l.sku ? h('span', { class: 'muted small' }, ` · ${l.sku}`) : null),
              h('td', { class: 'num' }, String(l.quantity)),
              h('td', { class: 'num' }, money(l.unitPrice, currency)),
              h('td', { class: 'num' }, money(l.lineTotal, currency))))),
            h('tfoot', null, h('tr', null,
              h('th', { scope: 'row', colspan: 3 }, 'Total'),
              h('td', { class: 'num strong' }, money(o.totalAmount, currency)))))))),
        h('section', { class: 'card', 'aria-labelledby': 'h-history' },
          h('h2', { class: 'card-title', id: 'h-history' }, 'History'),
          timeline(o.history))),
      h('section', { class: 'card', 'aria-labelledby': 'h-trace' },
        h('h2', { class: 'card-title', id: 'h-trace' }, 'Trace'),
        h('p', { class: 'card-note' }, 'Every event of this order and each step that handled it.'),
        trace ? traceTable(trace) : h('p', { class: 'muted' }, 'The trace is not available.')));
  }

  function schedulePoll() {
    clearTimeout(pollTimer);
    // Without the live stream, refresh while the order is still moving.
    if (disposed || !order || TERMINAL_STATUSES.has(order.status)) return;
    pollTimer = setTimeout(load, live.mode === 'live' ? 10000 : 2000);
  }

  async function load() {
    try {
      const [o, trace] = await Promise.all([
        api(`/api/orders/${encodeURIComponent(orderId)}`),
        api(`/api/orders/${encodeURIComponent(orderId)}/trace`).catch(() => null),
      ]);
      if (disposed) return;
      order = o;
      render(o, trace);
      if (!busy) renderActions();
    } catch (err) {
      if (disposed) return;
      if (err instanceof ApiError && err.status === 404) {
        replace(body, errorBox(new Error(`No order ${orderId} in this store.`)));
      } else if (!order) {
        replace(body, errorBox(err, load));
      }
    }
    schedulePoll();
  }

  const reload = throttle(load, 400);
  const off = onLive({ order: (o) => { if (o.orderId === orderId) reload(); } });
  load();
  return () => {
    disposed = true;
    clearTimeout(pollTimer);
    clearTimeout(confirmTimer);
    reload.cancel();
    off();
  };
}

export default { name: 'order-detail', title: 'Order', mount };
