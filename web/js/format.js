// Formatting of money, times and identifiers for display.

const moneyFormats = new Map();

export function money(amount, currency = 'USD') {
  const value = typeof amount === 'number' ? amount : Number(amount);
  if (!Number.isFinite(value)) return '—';
  let fmt = moneyFormats.get(currency);
  if (!fmt) {
    try {
      fmt = new Intl.NumberFormat('en-US', { style: 'currency', currency });
    } catch {
      fmt = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    }
    moneyFormats.set(currency, fmt);
  }
  return fmt.format(value);
}

/** Minor units (cents) to a display string. */
export function moneyCents(cents, currency = 'USD') {
  return money(cents / 100, currency);
}

const numberFmt = new Intl.NumberFormat('en-US');
export function count(n) {
  return numberFmt.format(n ?? 0);
}

const dateTimeFmt = new Intl.DateTimeFormat('en-US', {
  month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false,
});

export function dateTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return dateTimeFmt.format(d);
}

export function timeAgo(iso, now = Date.now()) {
  const t = typeof iso === 'number' ? iso : Date.parse(iso);
  if (!Number.isFinite(t)) return '';
  const sec = Math.max(0, Math.round((now - t) / 1000));
  if (sec < 45) return 'just now';
  const min = Math.round(sec / 60);
  if (min < 60) return `${min} min ago`;
  const hours = Math.round(min / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.round(hours / 24);
  return `${days} d ago`;
}

export function shortId(orderId) {
  return String(orderId || '').slice(0, 8).toUpperCase();
}

export function label(status) {
  if (!status) return '—';
  const text = String(status).replace(/[_-]+/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export const ORDER_STATUSES = [
  'pending', 'flagged', 'paid', 'failed', 'fulfilled', 'shipped', 'delivered', 'cancelled',
];
export const PAYMENT_STATUSES = ['pending', 'paid', 'failed', 'refunded'];
export const TERMINAL_STATUSES = new Set(['delivered', 'cancelled', 'failed']);

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** crypto.randomUUID needs a secure context; fall back to getRandomValues elsewhere. */
export function newUuid() {
  if (window.crypto && typeof window.crypto.randomUUID === 'function') return window.crypto.randomUUID();
  const b = window.crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
