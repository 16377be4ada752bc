// Live updates for the selected store. Prefers Server-Sent Events
// (GET /api/events/stream?token=&store=, events `order`, `notification`,
// `stats`); while the stream is unavailable it reconnects with backoff and
// meanwhile polls the stats (and the newest alerts, for toasts) every 5 s.
// It never polls the orders list.
//
// Emits: 'order', 'notification', 'stats', 'product' (detail = parsed JSON),
// 'recent' (recentOrders from a polled stats answer) and 'mode'
// (detail = 'connecting' | 'live' | 'polling' | 'off').

import { api } from './api.js';
import { session } from './session.js';

const POLL_MS = 5000;
const BACKOFF_MS = [1000, 2000, 4000, 8000, 15000, 30000];
const EVENT_TYPES = ['order', 'notification', 'stats', 'product'];

class Live extends EventTarget {
  constructor() {
    super();
    this.mode = 'off';
    this.source = null;
    this.attempt = 0;
    this.reconnectTimer = 0;
    this.pollTimer = 0;
    this.generation = 0;
    this.seenAlerts = new Set();
    this.alertsSeeded = false;
  }

  setMode(mode) {
    if (this.mode === mode) return;
    this.mode = mode;
    this.dispatchEvent(new CustomEvent('mode', { detail: mode }));
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  /** (Re)starts for the current token and store. */
  start() {
    this.stop();
    if (!session.token || !session.storeId) return;
    this.generation += 1;
    this.seenAlerts = new Set();
    this.alertsSeeded = false;
    this.connect();
  }

  stop() {
    this.generation += 1;
    if (this.source) {
      this.source.close();
      this.source = null;
    }
    clearTimeout(this.reconnectTimer);
    this.stopPolling();
    this.attempt = 0;
    this.setMode('off');
  }

  connect() {
    const generation = this.generation;
    if (typeof EventSource !== 'function') {
      this.startPolling();
      return;
    }
    this.setMode(this.pollTimer ? 'polling' : 'connecting');
    const url = `/api/events/stream?token=${encodeURIComponent(session.token)}&store=${encodeURIComponent(session.storeId)}`;
    const source = new EventSource(url);
    this.source = source;
    source.onopen = () => {
      if (generation !== this.generation) return;
      this.attempt = 0;
      this.stopPolling();
      this.setMode('live');
    };
    source.onerror = () => {
      if (generation !== this.generation) return;
      source.close();
      this.source = null;
      this.startPolling();
      const delay = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
      this.attempt += 1;
      // Jitter so that many tabs do not reconnect in lockstep.
      this.reconnectTimer = setTimeout(() => {
        if (generation === this.generation) this.connect();
      }, delay * (0.8 + Math.random() * 0.4));
    };
    for (const type of EVENT_TYPES) {
      source.addEventListener(type, (event) => {
        if (generation !== this.generation) return;
        let data;
        try { data = JSON.parse(event.data); } catch { return; }
        if (type === 'notification') {
          const id = data.notificationId || data.id;
          if (id && this.seenAlerts.has(id)) return;
          if (id) this.seenAlerts.add(id);
        }
        this.emit(type, data);
      });
    }
  }

  startPolling() {
    if (this.pollTimer) return;
    this.setMode('polling');
    const generation = this.generation;
    const tick = async () => {
      if (generation !== this.generation) return;
      if (document.visibilityState !== 'hidden') await this.pollOnce(generation);
      if (generation === this.generation && this.pollTimer) this.pollTimer = setTimeout(tick, POLL_MS);
    };
    this.pollTimer = setTimeout(tick, POLL_MS);
    // Seed the set of known alerts at once so that only newer ones pop up.
    this.pollAlerts(generation);
  }

  stopPolling() {
    clearTimeout(this.pollTimer);
    this.pollTimer = 0;
  }

  async pollOnce(generation) {
    try {
      const stats = await api('/api/dashboard/stats');
      if (generation !== this.generation) return;
      const { recentOrders, ...rest } = stats;
      this.emit('stats', rest);
      if (Array.isArray(recentOrders)) this.emit('recent', recentOrders);
    } catch { /* the next tick tries again; 401 is handled by api() */ }
    await this.pollAlerts(generation);
  }

  async pollAlerts(generation) {
    try {
      const page = await api('/api/alerts?limit=20');
      if (generation !== this.generation) return;
      const fresh = [];
      for (const alert of page.alerts || []) {
        const id = alert.notificationId || alert.id;
        if (this.seenAlerts.has(id)) continue;
        this.seenAlerts.add(id);
        if (this.alertsSeeded) fresh.push(alert);
      }
      this.alertsSeeded = true;
      for (const alert of fresh.reverse()) this.emit('notification', alert);
    } catch { /* ignore; retried on the next tick */ }
  }

  /** Marks alerts as already known (e.g. the ones a page just listed). */
  markSeen(alerts) {
    for (const a of alerts) this.seenAlerts.add(a.notificationId || a.id);
  }
}

export const live = new Live();

/** Subscribes to several live events; returns the unsubscribe function. */
export function onLive(handlers) {
  const entries = Object.entries(handlers).map(([type, fn]) => {
    const listener = (event) => fn(event.detail);
    live.addEventListener(type, listener);
    return [type, listener];
  });
  return () => {
    for (const [type, listener] of entries) live.removeEventListener(type, listener);
  };
}
