// Track: order id → status, progress and the history timeline from
// GET /api/order/tracking/:id. Updates on live `order` events for the id,
// and refreshes every second while the order is still moving and the live
// stream is not connected.

import { api, ApiError } from '../api.js';
import { h, replace, throttle } from '../dom.js';
import { shortId, TERMINAL_STATUSES, UUID_RE, label } from '../format.js';
import { live, onLive } from '../live.js';
import { errorBox, loading, pageHeader, pill } from '../ui.js';
import { timeline } from './order-detail.js';

const STAGES = ['pending', 'paid', 'fulfilled', 'shipped', 'delivered'];
const STAGE_LABELS = { pending: 'Placed', paid: 'Paid', fulfilled: 'Packed', shipped: 'Shipped', delivered: 'Delivered' };

const HISTORY_STAGE = { ORDER_CREATED: 0, PAYMENT_RECEIVED: 1, FULFILLED: 2, SHIPPED: 3, DELIVERED: 4 };

/** The five stages; a failed or cancelled order shows where it stopped. */
function progress(status, history) {
  const stopped = status === 'failed' || status === 'cancelled';
  let reached = STAGES.indexOf(status === 'flagged' ? 'pending' : status);
  if (stopped) {
    reached = 0;
    for (const entry of history || []) reached = Math.max(reached, HISTORY_STAGE[entry.status] ?? 0);
  }
  const stopAt = stopped ? reached + 1 : -1;
  return h('ol', { class: 'progress', 'aria-label': 'Progress' },
    STAGES.map((stage, i) => h('li', {
      class: `progress-step ${i <= reached ? 'done' : ''} ${i === reached && !stopped ? 'current' : ''} ${i === stopAt ? 'stopped' : ''}`,
      'aria-current': i === reached && !stopped ? 'step' : null,
    }, h('span', { class: 'progress-dot', 'aria-hidden': 'true' }),
    h('span', null, i === stopAt ? label(status) : STAGE_LABELS[stage]))));
}

function mount(root, [routeId]) {
  const input = h('input', {
    id: 'track-id', class: 'input mono', type: 'text', value: routeId || '', placeholder: 'e.g. 3f2c8a51-…',
    autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'track-error',
  });
  const err = h('p', { class: 'field-error', id: 'track-error', 'aria-live': 'polite' });
  const form = h('form', { class: 'track-form', role: 'search' },
    h('div', { class: 'field field-grow' }, h('label', { for: 'track-id' }, 'Order ID'), input, err),
    h('button', { type: 'submit', class: 'btn btn-primary' }, 'Track'));
  const result = h('div', { class: 'track-result', 'aria-live': 'polite' });
  replace(root, pageHeader('Track an order'), form, result);

  let current = routeId && UUID_RE.test(routeId) ? routeId.toLowerCase() : null;
  let data = null;
  let timer = 0;
  let disposed = false;
  let gen = 0;

  function render(t) {
    replace(result, h('section', { class: 'card track-card', id: 'track-card', dataset: { status: t.status } },
      h('div', { class: 'track-head' },
        h('div', null,
          h('p', { class: 'muted small' }, 'Order'),
          h('h2', { class: 'track-title' }, h('a', { class: 'mono', href: `#/orders/${t.orderId}` }, shortId(t.orderId)))),
        h('div', { class: 'track-status' }, h('span', { class: 'muted small' }, 'Status'), h('span', { id: 'track-status' }, pill(t.status)))),
      progress(t.status, t.history),
      t.trackingNumber
        ? h('p', { class: 'tracking-number' }, 'Tracking number ', h('strong', { class: 'mono' }, t.trackingNumber), t.carrier ? ` · ${t.carrier}` : '')
        : null,
      h('h3', { class: 'card-subtitle' }, 'Timeline'),
      timeline(t.history)));
  }

  function schedule() {
    clearTimeout(timer);
    if (disposed || !data || TERMINAL_STATUSES.has(data.status)) return;
    timer = setTimeout(refresh, live.mode === 'live' ? 5000 : 1000);
  }

  async function refresh() {
    if (!current) return;
    const myGen = gen;
    try {
      const t = await api(`/api/order/tracking/${current}`);
      if (disposed || myGen !== gen) return;
      data = t;
      render(t);
    } catch (e) {
      if (disposed || myGen !== gen) return;
      if (e instanceof ApiError && e.status === 404) {
        data = null;
        replace(result, errorBox(new Error('No order with this ID in this store.')));
      } else if (!data) {
        replace(result, errorBox(e, refresh));
      }
    }
    schedule();
  }

  function start(id) {
    gen += 1;
    current = id;
    data = null;
    clearTimeout(timer);
    replace(result, loading('Looking up the order…'));
    refresh();
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    err.textContent = '';
    input.removeAttribute('aria-invalid');
    const id = input.value.trim().toLowerCase();
    if (!UUID_RE.test(id)) {
      err.textContent = 'Enter the full order ID (a UUID such as 3f2c8a51-9d7e-4c4b-8f57-1a2b3c4d5e6f).';
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      return;
    }
    if (`#/track/${id}` !== location.hash) history.replaceState(null, '', `#/track/${id}`);
    start(id);
  });

  const reload = throttle(refresh, 300);
  const off = onLive({
    order: (o) => {
      if (o.orderId !== current) return;
      if (data && o.status && o.status !== data.status) {
        // Show the new status at once; the timeline follows from the API.
        data = { ...data, status: o.status, trackingNumber: o.trackingNumber || data.trackingNumber, carrier: o.carrier || data.carrier };
        render(data);
      }
      reload();
    },
    mode: () => schedule(),
  });

  if (current) start(current);
  else if (routeId) err.textContent = 'That is not a valid order ID.';
  if (!routeId) input.focus();

  return () => {
    disposed = true;
    clearTimeout(timer);
    reload.cancel();
    off();
  };
}

export default { name: 'track', title: 'Track', mount };
