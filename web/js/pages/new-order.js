// New order form: the store (the header switcher's selection), customer,
// products from the catalogue with their real prices, quantities, a live
// total and the payment token. Posts POST /api/order with a client-made
// orderId and an Idempotency-Key; errors from the envelope appear next to
// their field. On success it opens Track for the new order.

import { api, ApiError } from '../api.js';
import { h, replace } from '../dom.js';
import { money, moneyCents, newUuid, label } from '../format.js';
import { session } from '../session.js';
import { toast } from '../toast.js';
import { errorBox, loading, pageHeader } from '../ui.js';

const TOKENS = [
  ['', 'None (payment approved)'],
  ['tok_chargeDeclined', 'tok_chargeDeclined (card declined)'],
  ['tok_processingError', 'tok_processingError (transient error, retried)'],
];
const MAX_QTY = 1000;

function fieldError(id) {
  return h('p', { class: 'field-error', id, 'aria-live': 'polite' });
}

function mount(root) {
  const storeSelect = h('select', { id: 'order-store', class: 'select' },
    session.stores.map((s) => h('option', { value: s.storeId, selected: s.storeId === session.storeId }, `${s.name} (${s.storeId})`)));
  storeSelect.disabled = session.stores.length < 2;
  storeSelect.addEventListener('change', () => session.selectStore(storeSelect.value));

  const name = h('input', { id: 'customer-name', name: 'customerName', class: 'input', autocomplete: 'name', required: true, maxlength: 200, 'aria-describedby': 'err-customerName' });
  const email = h('input', { id: 'customer-email', name: 'customerEmail', class: 'input', type: 'email', autocomplete: 'email', 'aria-describedby': 'err-customerEmail' });
  const token = h('select', { id: 'payment-token', name: 'paymentToken', class: 'select' }, TOKENS.map(([v, t]) => h('option', { value: v }, t)));
  const productsSlot = h('div', { class: 'products-picker' }, loading('Loading products…'));
  const totalEl = h('output', { id: 'order-total', class: 'order-total', for: '' }, money(0, session.currency));
  const formError = h('div', { class: 'form-error', id: 'form-error', role: 'alert', hidden: true });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'place-order' }, 'Place order');
  const errors = {
    customerName: fieldError('err-customerName'),
    customerEmail: fieldError('err-customerEmail'),
    items: fieldError('err-items'),
    totalAmount: fieldError('err-totalAmount'),
    payment: fieldError('err-payment'),
  };

  const form = h('form', { class: 'order-form', novalidate: true, 'aria-labelledby': 'new-order-title' },
    formError,
    h('div', { class: 'form-grid' },
      h('div', { class: 'field' }, h('label', { for: 'order-store' }, 'Store'), storeSelect),
      h('div', { class: 'field' }, h('label', { for: 'customer-name' }, 'Customer name ', h('span', { class: 'req', 'aria-hidden': 'true' }, '*')), name, errors.customerName),
      h('div', { class: 'field' }, h('label', { for: 'customer-email' }, 'Customer email ', h('span', { class: 'muted small' }, '(optional)')), email, errors.customerEmail)),
    h('fieldset', { class: 'fieldset' },
      h('legend', null, 'Products'),
      productsSlot,
      errors.items),
    h('div', { class: 'form-grid' },
      h('div', { class: 'field' }, h('label', { for: 'payment-token' }, 'Payment token'), token, errors.payment,
        h('p', { class: 'hint' }, 'The simulated gateway declines or fails on these test tokens.'))),
    h('div', { class: 'form-footer' },
      h('div', { class: 'total-box' }, h('span', { class: 'muted' }, 'Total'), totalEl, errors.totalAmount),
      submit));

  const title = pageHeader('New order');
  title.querySelector('h1').id = 'new-order-title';
  replace(root, title, form);

  let products = [];
  const qty = new Map(); // productId → input
  const rowErrors = new Map(); // productId → error element
  let disposed = false;
  let lastAttempt = null; // {signature, orderId, key} to retry the same body after a network error

  function totalCents() {
    let sum = 0;
    for (const p of products) {
      const q = Number(qty.get(p.productId)?.value || 0);
      if (Number.isInteger(q) && q > 0) sum += q * p.priceCents;
    }
    return sum;
  }

  function updateTotal() {
    totalEl.textContent = moneyCents(totalCents(), session.currency);
  }

  function renderProducts() {
    if (products.length === 0) {
      replace(productsSlot, h('p', { class: 'muted' }, 'This store has no products yet.'));
      return;
    }
    const rows = products.map((p) => {
      const inputId = `qty-${p.productId}`;
      const errId = `err-qty-${p.productId}`;
      const input = h('input', {
        id: inputId, class: 'input input-qty', type: 'number', inputmode: 'numeric', min: 0, max: MAX_QTY, step: 1, value: '0',
        'aria-describedby': errId, dataset: { product: p.productName },
      });
      input.addEventListener('input', () => { input.removeAttribute('aria-invalid'); rowErrors.get(p.productId).textContent = ''; updateTotal(); });
      const err = h('span', { class: 'field-error', id: errId });
      qty.set(p.productId, input);
      rowErrors.set(p.productId, err);
      const unavailable = p.status !== 'active' || p.available <= 0;
      return h('tr', { class: unavailable ? 'row-muted' : null },
        h('th', { scope: 'row' }, h('label', { for: inputId }, p.productName), p.sku ? h('span', { class: 'muted small' }, ` · ${p.sku}`) : null),
        h('td', { class: 'num' }, money(p.price, session.currency)),
        h('td', { class: 'num' }, String(p.available), unavailable ? h('span', { class: 'muted small' }, ` (${label(p.status === 'active' ? 'out_of_stock' : p.status)})`) : null),
        h('td', { class: 'num' }, input, err));
    });
    replace(productsSlot, h('div', { class: 'table-wrap' }, h('table', { class: 'table table-compact', id: 'product-picker' },
      h('thead', null, h('tr', null,
        h('th', { scope: 'col' }, 'Product'), h('th', { scope: 'col', class: 'num' }, 'Price'),
        h('th', { scope: 'col', class: 'num' }, 'Available'), h('th', { scope: 'col', class: 'num' }, 'Quantity'))),
      h('tbody', null, rows))));
  }

  async function loadProducts() {
    try {
      const res = await api('/api/products');
      if (disposed) return;
      products = (res.items || []).filter((p) => p.status !== 'archived');
      renderProducts();
      updateTotal();
    } catch (err) {
      if (!disposed) replace(productsSlot, errorBox(err, loadProducts));
    }
  }

  function clearErrors() {
    formError.hidden = true;
    replace(formError);
    for (const el of Object.values(errors)) el.textContent = '';
    for (const el of rowErrors.values()) el.textContent = '';
    for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  }

  function showFieldError(fieldName, message, lines) {
    const m = /^items\[(\d+)\]/.exec(fieldName || '');
    if (m && lines[Number(m[1])]) {
      const p = lines[Number(m[1])];
      rowErrors.get(p.productId).textContent = message;
      qty.get(p.productId).setAttribute('aria-invalid', 'true');
      qty.get(p.productId).focus();
      return;
    }
    const map = { customerName: [errors.customerName, name], customerEmail: [errors.customerEmail, email], items: [errors.items, null], totalAmount: [errors.totalAmount, null], payment: [errors.payment, token], 'payment.token': [errors.payment, token] };
    const hit = map[fieldName];
    if (hit) {
      hit[0].textContent = message;
      if (hit[1]) { hit[1].setAttribute('aria-invalid', 'true'); hit[1].focus(); }
      return;
    }
    formError.hidden = false;
    replace(formError, message);
    formError.focus?.();
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors();
    const lines = [];
    let bad = false;
    for (const p of products) {
      const input = qty.get(p.productId);
      const raw = input.value.trim();
      const q = raw === '' ? 0 : Number(raw);
      if (!Number.isInteger(q) || q < 0 || q > MAX_QTY) {
        rowErrors.get(p.productId).textContent = `Enter a whole number from 0 to ${MAX_QTY}.`;
        input.setAttribute('aria-invalid', 'true');
        if (!bad) input.focus();
        bad = true;
        continue;
      }
      if (q > 0) lines.push({ product: p, quantity: q });
    }
    if (!name.value.trim()) {
      errors.customerName.textContent = 'Enter the customer name.';
      name.setAttribute('aria-invalid', 'true');
      if (!bad) name.focus();
      bad = true;
    }
    if (email.value.trim() && !email.checkValidity()) {
      errors.customerEmail.textContent = 'Enter a valid email address, or leave it empty.';
      email.setAttribute('aria-invalid', 'true');
      if (!bad) email.focus();
      bad = true;
    }
    if (!bad && lines.length === 0) {
      errors.items.textContent = 'Choose a quantity for at least one product.';
      qty.get(products[0]?.productId)?.focus();
      bad = true;
    }
    if (bad) return;

    const body = {
      customerName: name.value.trim(),
      items: lines.map((l) => ({ productName: l.product.productName, quantity: l.quantity })),
      totalAmount: totalCents() / 100,
    };
    if (email.value.trim()) body.customerEmail = email.value.trim();
    if (token.value) body.payment = { token: token.value };
    // Same body as an attempt whose answer never arrived → same ids, so the
    // server answers with the order it may already have made.
    const signature = JSON.stringify([session.storeId, body]);
    if (!lastAttempt || lastAttempt.signature !== signature) {
      const id = newUuid();
      lastAttempt = { signature, orderId: id, key: newUuid() };
    }
    body.orderId = lastAttempt.orderId;

    submit.disabled = true;
    submit.textContent = 'Placing order…';
    try {
      const order = await api('/api/order', { method: 'POST', body, idempotencyKey: lastAttempt.key });
      lastAttempt = null;
      toast({ type: 'success', title: 'Order placed', message: `${order.customerName} · ${money(order.totalAmount, order.currency || session.currency)}` });
      location.hash = `#/track/${order.orderId || body.orderId}`;
    } catch (err) {
      if (disposed) return;
      if (err instanceof ApiError && err.status !== 0) lastAttempt = null;
      const lineProducts = lines.map((l) => l.product);
      showFieldError(err.field, err.message, lineProducts);
      if (err.code === 'total_mismatch') loadProducts();
    } finally {
      if (!disposed) {
        submit.disabled = false;
        submit.textContent = 'Place order';
      }
    }
  });

  loadProducts();
  return () => { disposed = true; };
}

export default { name: 'new-order', title: 'New order', mount };
