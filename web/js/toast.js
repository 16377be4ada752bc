// Toast pop-ups in the corner. Error toasts stay longer and are announced
// assertively.

import { h } from './dom.js';

const MAX_TOASTS = 5;
const ICONS = { info: 'i', success: '✓', warning: '!', error: '×' };

export function toast({ type = 'info', title, message = '', href = null, linkText = 'View order', timeout } = {}) {
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
    href ? h('a', { class: 'toast-link', href, onClick: close }, linkText) : null,
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

// A burst of alerts (a flash sale) would bury the screen: past a few per
// window the rest are counted and summarised in one toast.
const BURST_MS = 2000;
const BURST_MAX = 3;
const BURST_MAX_ERRORS = 6;
let burstStart = 0;
let burstShown = 0;
let suppressed = 0;
let summaryTimer = 0;

/** A toast for an alert (notification) object from the API or the stream. */
export function alertToast(alert) {
  const now = Date.now();
  if (now - burstStart > BURST_MS) {
    burstStart = now;
    burstShown = 0;
  }
  if (burstShown < BURST_MAX || (alert.type === 'error' && burstShown < BURST_MAX_ERRORS)) {
    burstShown += 1;
    toast({
      type: alert.type,
      title: alert.title,
      message: alert.message,
      href: alert.orderId ? `#/orders/${alert.orderId}` : null,
    });
    return;
  }
  suppressed += 1;
  if (summaryTimer) return;
  summaryTimer = setTimeout(() => {
    toast({
      type: 'info',
      title: `${suppressed} more alert${suppressed === 1 ? '' : 's'}`,
      message: 'Arrived in the last few seconds.',
      href: '#/alerts',
      linkText: 'Open alerts',
    });
    suppressed = 0;
    summaryTimer = 0;
  }, BURST_MS);
}
