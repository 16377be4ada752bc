// Toast pop-ups in the corner. Error toasts stay longer and are announced
// assertively.

import { h } from './dom.js';

const MAX_TOASTS = 5;
const ICONS = { info: 'i', success: '✓', warning: '!', error: '×' };

export function toast({ type = 'info', title, message = '', href = null, timeout } = {}) {
  const root = document.getElementById('toasts');
  if (!root) return;
  const kind = ICONS[type] ? type : 'info';
  const ms = timeout ?? (kind === 'error' ? 10000 : 6000);
  let timer = 0;
  const close = () => {
    clearTimeout(timer);
    el.classList.add('leaving');
    setTimeout(() => el.remove(), 180);
  };
  const body = [
    h('strong', { class: 'toast-title' }, title || ''),
    message ? h('span', { class: 'toast-message' }, message) : null,
    href ? h('a', { class: 'toast-link', href, onClick: close }, 'View order') : null,
  ];
  const el = h('div', {
    class: `toast toast-${kind}`,
    role: kind === 'error' ? 'alert' : 'status',
    dataset: { type: kind },
  },
  h('span', { class: 'toast-icon', 'aria-hidden': 'true' }, ICONS[kind]),
  h('div', { class: 'toast-body' }, body),
  h('button', { class: 'toast-close', type: 'button', 'aria-label': 'Dismiss notification', onClick: close }, '×'));
  root.appendChild(el);
  while (root.children.length > MAX_TOASTS) root.firstElementChild.remove();
  const arm = () => { timer = setTimeout(close, ms); };
  el.addEventListener('mouseenter', () => clearTimeout(timer));
  el.addEventListener('mouseleave', arm);
  el.addEventListener('focusin', () => clearTimeout(timer));
  arm();
}

/** A toast for an alert (notification) object from the API or the stream. */
export function alertToast(alert) {
  toast({
    type: alert.type,
    title: alert.title,
    message: alert.message,
    href: alert.orderId ? `#/orders/${alert.orderId}` : null,
  });
}
