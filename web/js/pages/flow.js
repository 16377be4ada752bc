// Flow: the step graph from GET /api/flows drawn as SVG boxes in layers
// (longest path from the entry steps), arrows for emitter → subscriber, and
// per-step counts {pending, retrying, dead, done} refreshed every 2 s while
// the page is visible. Below: the same data as a table, and the dead
// letters with a Redrive button.

import { api, query } from '../api.js';
import { h, replace, s } from '../dom.js';
import { count, dateTime, shortId } from '../format.js';
import { toast } from '../toast.js';
import { errorBox, loading, pageHeader, pill } from '../ui.js';

const BOX_W = 184;
const BOX_H = 78;
const GAP_X = 28;
const GAP_Y = 58;
const PAD = 16;
const REFRESH_MS = 2000;

/** Layer of each step: longest path from a step nobody feeds, ignoring cycles. */
export function layout(steps, edges) {
  const names = steps.map((st) => st.name);
  const out = new Map(names.map((n) => [n, []]));
  for (const e of edges) {
    if (e.from === e.to || !out.has(e.from) || !out.has(e.to)) continue;
    if (!out.get(e.from).includes(e.to)) out.get(e.from).push(e.to);
  }
  // Drop back edges found by a depth-first search so the rest is a DAG.
  const state = new Map();
  const dag = new Map(names.map((n) => [n, []]));
  const visit = (n) => {
    state.set(n, 1);
    for (const m of out.get(n)) {
      if (state.get(m) === 1) continue; // back edge
      dag.get(n).push(m);
      if (!state.has(m)) visit(m);
    }
    state.set(n, 2);
  };
  for (const n of names) if (!state.has(n)) visit(n);
  const layer = new Map(names.map((n) => [n, 0]));
  const indeg = new Map(names.map((n) => [n, 0]));
  for (const n of names) for (const m of dag.get(n)) indeg.set(m, indeg.get(m) + 1);
  const queue = names.filter((n) => indeg.get(n) === 0);
  while (queue.length) {
    const n = queue.shift();
    for (const m of dag.get(n)) {
      layer.set(m, Math.max(layer.get(m), layer.get(n) + 1));
      indeg.set(m, indeg.get(m) - 1);
      if (indeg.get(m) === 0) queue.push(m);
    }
  }
  // Steps that only feed one later layer sit just above it (e.g. crons).
  for (const n of names) {
    const targets = dag.get(n);
    const incoming = names.some((x) => dag.get(x).includes(n));
    if (!incoming && targets.length) layer.set(n, Math.max(layer.get(n), Math.min(...targets.map((t) => layer.get(t))) - 1));
  }
  const layers = [];
  for (const n of names) {
    const l = layer.get(n);
    (layers[l] ||= []).push(n);
  }
  // Order inside a layer by the mean position of the steps feeding it.
  const pos = new Map();
  layers.forEach((row, li) => {
    if (li > 0) {
      const bary = (n) => {
        const parents = names.filter((x) => dag.get(x).includes(n) && pos.has(x));
        return parents.length ? parents.reduce((a, p) => a + pos.get(p), 0) / parents.length : Infinity;
      };
      row.sort((a, b) => bary(a) - bary(b));
    }
    row.forEach((n, i) => pos.set(n, i - (row.length - 1) / 2));
  });
  return { layers: layers.filter(Boolean), dag };
}

function countsText(c) {
  return `${count(c.pending)} pending · ${count(c.retrying)} retrying`;
}

function mount(root) {
  const graphBox = h('div', { class: 'flow-graph', id: 'flow-graph' }, loading('Loading the flow…'));
  const tableBox = h('div', { class: 'table-wrap' });
  const deadBox = h('div', { id: 'dead-letters' }, loading('Loading dead letters…'));
  const updated = h('span', { class: 'muted small', id: 'flow-updated', 'aria-live': 'off' });
  replace(root,
    pageHeader('Flow', updated),
    h('section', { class: 'card', 'aria-labelledby': 'h-graph' },
      h('h2', { class: 'card-title', id: 'h-graph' }, 'Step graph'),
      h('p', { class: 'card-note' }, 'Each box is a step; arrows follow the topics one step emits and another subscribes to. Counts are this store’s deliveries.'),
      graphBox),
    h('section', { class: 'card', 'aria-labelledby': 'h-steps' },
      h('h2', { class: 'card-title', id: 'h-steps' }, 'Steps'), tableBox),
    h('section', { class: 'card', 'aria-labelledby': 'h-dead' },
      h('h2', { class: 'card-title', id: 'h-dead' }, 'Dead letters'), deadBox));

  let disposed = false;
  let timer = 0;
  let signature = '';
  let nodes = new Map(); // step → {counts text, dead badge, g}
  let cells = new Map(); // step → {pending, retrying, dead, done}
  let deadTotal = -1;

  function drawGraph(flow) {
    const { layers } = layout(flow.steps, flow.edges);
    const widest = Math.max(...layers.map((r) => r.length));
    const width = PAD * 2 + widest * BOX_W + (widest - 1) * GAP_X;
    const height = PAD * 2 + layers.length * BOX_H + (layers.length - 1) * GAP_Y;
    const at = new Map();
    layers.forEach((row, li) => {
      const rowW = row.length * BOX_W + (row.length - 1) * GAP_X;
      const x0 = (width - rowW) / 2;
      row.forEach((n, i) => at.set(n, { x: x0 + i * (BOX_W + GAP_X), y: PAD + li * (BOX_H + GAP_Y), layer: li }));
    });
    const byName = new Map(flow.steps.map((st) => [st.name, st]));
    const svg = s('svg', {
      class: 'flow-svg', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img',
      'aria-label': `Flow of ${flow.steps.length} steps; the table below lists them`,
    });
    const defs = s('defs', null,
      s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
        s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'flow-arrowhead' })));
    svg.appendChild(defs);
    // One arrow per (from, to) pair, listing its topics.
    const pairs = new Map();
    for (const e of flow.edges) {
      const key = `${e.from}→${e.to}`;
      if (!pairs.has(key)) pairs.set(key, { from: e.from, to: e.to, topics: [] });
      pairs.get(key).topics.push(e.topic);
    }
    const edgeLayer = s('g', { class: 'flow-edges' });
    for (const p of pairs.values()) {
      const a = at.get(p.from);
      const b = at.get(p.to);
      if (!a || !b) continue;
      let d;
      if (p.from === p.to) {
        const x = a.x + BOX_W;
        d = `M${x},${a.y + 22} C${x + 34},${a.y + 4} ${x + 34},${a.y + BOX_H - 4} ${x},${a.y + BOX_H - 22}`;
      } else if (b.layer > a.layer) {
        const x1 = a.x + BOX_W / 2;
        const y1 = a.y + BOX_H;
        const x2 = b.x + BOX_W / 2;
        const y2 = b.y;
        const bend = Math.max(30, (y2 - y1) / 2);
        d = `M${x1},${y1} C${x1},${y1 + bend} ${x2},${y2 - bend} ${x2},${y2}`;
      } else {
        // Upward or same-layer edge: leave from the side and come back around.
        const x1 = a.x;
        const y1 = a.y + BOX_H / 2;
        const x2 = b.x;
        const y2 = b.y + BOX_H / 2;
        d = `M${x1},${y1} C${x1 - 60},${y1} ${x2 - 60},${y2} ${x2},${y2}`;
      }
      edgeLayer.appendChild(s('path', { class: 'flow-edge', d, 'marker-end': 'url(#arrow)' },
        s('title', null, `${p.from} → ${p.to}: ${p.topics.join(', ')}`)));
    }
    svg.appendChild(edgeLayer);
    nodes = new Map();
    for (const [name, { x, y }] of at) {
      const st = byName.get(name);
      const countsEl = s('text', { class: 'flow-counts', x: x + 12, y: y + 52 });
      const doneEl = s('text', { class: 'flow-done', x: x + 12, y: y + 68 });
      const deadBg = s('rect', { class: 'flow-dead-bg', x: x + BOX_W - 58, y: y + 10, width: 48, height: 18, rx: 9 });
      const deadEl = s('text', { class: 'flow-dead', x: x + BOX_W - 34, y: y + 19, 'text-anchor': 'middle', 'dominant-baseline': 'central' });
      const box = s('rect', { class: 'flow-box', x, y, width: BOX_W, height: BOX_H, rx: 10 });
      const g = s('g', { class: `flow-node kind-${st.kind}`, dataset: { step: name } },
        s('title', null, `${name} (${st.kind})\nsubscribes: ${(st.subscribes || []).join(', ') || '—'}\nemits: ${(st.emits || []).join(', ') || '—'}${st.description ? `\n${st.description}` : ''}`),
        box,
        s('text', { class: 'flow-name', x: x + 12, y: y + 22 }, name),
        s('text', { class: 'flow-kind', x: x + 12, y: y + 37 }, st.kind),
        countsEl, doneEl, deadBg, deadEl);
      nodes.set(name, { g, countsEl, doneEl, deadEl, deadBg });
      svg.appendChild(g);
    }
    replace(graphBox, svg);
  }

  function drawTable(flow) {
    cells = new Map();
    const rows = flow.steps.map((st) => {
      const c = { pending: h('td', { class: 'num' }), retrying: h('td', { class: 'num' }), dead: h('td', { class: 'num' }), done: h('td', { class: 'num' }) };
      cells.set(st.name, c);
      return h('tr', null,
        h('th', { scope: 'row', class: 'mono' }, st.name),
        h('td', null, pill(st.kind, 'kind')),
        h('td', { class: 'mono small wrap' }, (st.subscribes || []).join(', ') || '—'),
        h('td', { class: 'mono small wrap' }, (st.emits || []).join(', ') || '—'),
        c.pending, c.retrying, c.dead, c.done);
    });
    replace(tableBox, h('table', { class: 'table table-compact', id: 'steps-table' },
      h('thead', null, h('tr', null, ['Step', 'Kind', 'Subscribes', 'Emits', 'Pending', 'Retrying', 'Dead', 'Done'].map((t, i) =>
        h('th', { scope: 'col', class: i >= 4 ? 'num' : null }, t)))),
      h('tbody', null, rows)));
  }

  function updateCounts(flow) {
    let dead = 0;
    for (const st of flow.steps) {
      const c = { pending: 0, retrying: 0, dead: 0, done: 0, ...(st.counts || {}) };
      dead += c.dead;
      const n = nodes.get(st.name);
      if (n) {
        n.countsEl.textContent = countsText(c);
        n.doneEl.textContent = `${count(c.done)} done`;
        n.deadEl.textContent = c.dead ? `${count(c.dead)} dead` : '';
        n.deadBg.style.display = c.dead ? '' : 'none';
        n.g.classList.toggle('has-dead', c.dead > 0);
        n.g.classList.toggle('busy', c.pending + c.retrying > 0);
      }
      const cell = cells.get(st.name);
      if (cell) {
        for (const k of ['pending', 'retrying', 'dead', 'done']) cell[k].textContent = count(c[k]);
        cell.dead.classList.toggle('error-text', c.dead > 0);
      }
    }
    return dead;
  }

  async function loadDead() {
    try {
      const page = await api(`/api/dead-letters${query({ limit: 100 })}`);
      if (disposed) return;
      const items = page.items || [];
      if (items.length === 0) {
        replace(deadBox, h('p', { class: 'empty-state' }, 'No dead letters'));
        return;
      }
      replace(deadBox, h('div', { class: 'table-wrap' }, h('table', { class: 'table table-compact', id: 'dead-table' },
        h('thead', null, h('tr', null, ['Event', 'Topic', 'Step', 'Order', 'Attempts', 'Last error', 'Emitted', ''].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', null, items.map((d) => {
          const btn = h('button', { type: 'button', class: 'btn btn-small', 'aria-label': `Redrive event ${d.eventId} for ${d.step}` }, 'Redrive');
          btn.addEventListener('click', async () => {
            btn.disabled = true;
            try {
              await api(`/api/dead-letters/${encodeURIComponent(d.eventId)}/${encodeURIComponent(d.step)}/redrive`, { method: 'POST', body: {} });
              toast({ type: 'success', title: 'Redriven', message: `${d.topic} → ${d.step}` });
              loadDead();
              refresh();
            } catch (e) {
              btn.disabled = false;
              toast({ type: 'error', title: 'Redrive failed', message: e.message });
            }
          });
          return h('tr', null,
            h('td', { class: 'mono' }, String(d.eventId)),
            h('td', { class: 'mono' }, d.topic),
            h('td', { class: 'mono' }, d.step),
            h('td', null, d.orderId ? h('a', { class: 'mono', href: `#/orders/${d.orderId}` }, shortId(d.orderId)) : '—'),
            h('td', { class: 'num' }, String(d.attempts)),
            h('td', { class: 'error-text wrap' }, d.lastError || ''),
            h('td', { class: 'muted nowrap' }, dateTime(d.emittedAt)),
            h('td', null, btn));
        })))));
    } catch (e) {
      if (!disposed) replace(deadBox, errorBox(e, loadDead));
    }
  }

  let running = false;
  async function refresh(forceDead = false) {
    clearTimeout(timer);
    if (disposed || running) return;
    running = true;
    if (document.visibilityState !== 'hidden') {
      try {
        const flow = await api('/api/flows');
        if (disposed) return;
        const sig = JSON.stringify([flow.steps.map((st) => [st.name, st.kind, st.subscribes, st.emits]), flow.edges]);
        if (sig !== signature) {
          signature = sig;
          drawGraph(flow);
          drawTable(flow);
        }
        const dead = updateCounts(flow);
        updated.textContent = `Updated ${new Date().toLocaleTimeString('en-US', { hour12: false })}`;
        if (forceDead || dead !== deadTotal) {
          deadTotal = dead;
          await loadDead();
        }
      } catch (e) {
        if (!disposed && !signature) replace(graphBox, errorBox(e, () => refresh(true)));
      }
    }
    running = false;
    if (!disposed) timer = setTimeout(refresh, REFRESH_MS);
  }

  const onVisible = () => { if (document.visibilityState === 'visible') refresh(); };
  document.addEventListener('visibilitychange', onVisible);
  refresh(true);
  return () => {
    disposed = true;
    clearTimeout(timer);
    document.removeEventListener('visibilitychange', onVisible);
  };
}

export default { name: 'flow', title: 'Flow', mount };
