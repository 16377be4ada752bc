// Products: stock, reserved, available, threshold and status of each
// product, low stock highlighted, and a restock form per row
// (PATCH /api/products/:id {"restock": N}, recorded in the ledger).

import { api } from '../api.js';
import { h, replace, throttle } from '../dom.js';
import { count, money } from '../format.js';
import { onLive } from '../live.js';
import { session } from '../session.js';
import { toast } from '../toast.js';
import { errorBox, loading, pageHeader, pill } from '../ui.js';

function mount(root) {
  const body = h('div', null, loading('Loading products…'));
  const summary = h('p', { class: 'muted', id: 'products-summary' });
  replace(root, pageHeader('Products'), summary, body);

  let disposed = false;
  let products = [];
  const rows = new Map(); // productId → {tr, cells}

  function row(p) {
    const qtyId = `restock-${p.productId}`;
    const errId = `restock-err-${p.productId}`;
    const qty = h('input', {
      id: qtyId, class: 'input input-qty', type: 'number', min: 1, step: 1, value: '10', inputmode: 'numeric',
      'aria-describedby': errId, required: true,
    });
    const err = h('span', { class: 'field-error', id: errId });
    const btn = h('button', { type: 'submit', class: 'btn btn-small' }, 'Restock');
    const form = h('form', { class: 'restock-form', 'aria-label': `Restock ${p.productName}` },
      h('label', { for: qtyId, class: 'visually-hidden' }, `Units to add to ${p.productName}`), qty, btn, err);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      err.textContent = '';
      const n = Number(qty.value);
      if (!Number.isInteger(n) || n < 1) {
        err.textContent = 'Enter a whole number of at least 1.';
        qty.setAttribute('aria-invalid', 'true');
        qty.focus();
        return;
      }
      qty.removeAttribute('aria-invalid');
      btn.disabled = true;
      try {
        const updated = await api(`/api/products/${encodeURIComponent(p.productId)}`, { method: 'PATCH', body: { restock: n } });
        if (disposed) return;
        update(updated);
        toast({ type: 'success', title: 'Restocked', message: `${updated.productName}: +${n}, ${updated.available} available` });
      } catch (e) {
        err.textContent = e.message;
      } finally {
        btn.disabled = false;
      }
    });
    const cells = {
      stock: h('td', { class: 'num' }), reserved: h('td', { class: 'num' }), available: h('td', { class: 'num' }),
      threshold: h('td', { class: 'num' }), status: h('td'), price: h('td', { class: 'num' }),
      name: h('th', { scope: 'row' }),
    };
    const tr = h('tr', { dataset: { product: p.productId } },
      cells.name, cells.price, cells.stock, cells.reserved, cells.available, cells.threshold, cells.status, h('td', null, form));
    rows.set(p.productId, { tr, cells });
    fill(p);
    return tr;
  }

  function fill(p) {
    const r = rows.get(p.productId);
    if (!r) return;
    const low = p.lowStock ?? (p.available <= p.threshold);
    r.tr.classList.toggle('row-low', low);
    replace(r.cells.name, h('span', { class: 'product-name' }, p.productName), p.sku ? h('span', { class: 'muted small' }, ` · ${p.sku}`) : null);
    r.cells.price.textContent = money(p.price, session.currency);
    r.cells.stock.textContent = count(p.stock);
    r.cells.reserved.textContent = count(p.reserved);
    replace(r.cells.available, count(p.available), low ? h('span', { class: 'low-badge' }, 'Low') : null);
    r.cells.threshold.textContent = count(p.threshold);
    replace(r.cells.status, pill(p.status, 'product'));
  }

  function renderSummary() {
    const low = products.filter((p) => p.lowStock ?? (p.available <= p.threshold)).length;
    summary.textContent = `${count(products.length)} products${low ? ` · ${low} low on stock` : ''}`;
  }

  function update(p) {
    const i = products.findIndex((x) => x.productId === p.productId);
    if (i >= 0) products[i] = { ...products[i], ...p };
    fill(products[i] || p);
    renderSummary();
  }

  function render() {
    rows.clear();
    if (products.length === 0) {
      replace(body, h('p', { class: 'empty-state' }, 'No products yet'));
      renderSummary();
      return;
    }
    replace(body, h('div', { class: 'card card-flush' }, h('div', { class: 'table-wrap' },
      h('table', { class: 'table products-table', id: 'products-table' },
        h('thead', null, h('tr', null,
          ['Product', 'Price', 'Stock', 'Reserved', 'Available', 'Threshold', 'Status', 'Restock'].map((t, i) =>
            h('th', { scope: 'col', class: i >= 1 && i <= 5 ? 'num' : null }, t)))),
        h('tbody', null, products.map(row))))));
    renderSummary();
  }

  async function load() {
    try {
      const res = await api('/api/products');
      if (disposed) return;
      products = res.items || [];
      // Keep forms (and what was typed) when only numbers changed.
      if (rows.size > 0 && products.length === rows.size && products.every((p) => rows.has(p.productId))) {
        products.forEach(fill);
        renderSummary();
      } else {
        render();
      }
    } catch (e) {
      if (!disposed && rows.size === 0) replace(body, errorBox(e, load));
    }
  }

  // Orders move stock (reservations, commits): refresh at most every 2 s.
  const refresh = throttle(load, 2000);
  const off = onLive({ product: (p) => (rows.has(p.productId) ? update(p) : refresh()), order: () => refresh(), stats: () => refresh() });
  load();
  return () => { disposed = true; refresh.cancel(); off(); };
}

export default { name: 'products', title: 'Products', mount };
