// Shared bits of page UI: status pills, page headers, loading and error states.

import { h } from './dom.js';
import { label } from './format.js';

export function pill(status, kind = 'status') {
  const value = status || 'unknown';
  return h('span', { class: `pill pill-${kind} ${kind}-${value}`, dataset: { status: value } }, label(value));
}

export function pageHeader(title, ...extra) {
  return h('div', { class: 'page-header' },
    h('h1', { class: 'page-title', tabindex: '-1' }, title),
    extra.length ? h('div', { class: 'page-actions' }, extra) : null);
}

export function loading(text = 'Loading…') {
  return h('div', { class: 'state state-loading', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), text);
}

export function errorBox(err, retry) {
  return h('div', { class: 'state state-error', role: 'alert' },
    h('p', null, err?.message || String(err)),
    retry ? h('button', { class: 'btn', type: 'button', onClick: retry }, 'Try again') : null);
}

export function empty(text) {
  return h('div', { class: 'state state-empty' }, text);
}

export function field(labelText, control, { hint, error, id } = {}) {
  const controlId = control.id || id;
  return h('div', { class: 'field' },
    h('label', { for: controlId }, labelText),
    control,
    hint ? h('p', { class: 'hint' }, hint) : null,
    error || null);
}

export function button(text, props = {}) {
  return h('button', { type: 'button', class: 'btn', ...props }, text);
}
