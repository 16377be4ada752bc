// Flow: the step graph from GET /api/flows drawn as SVG boxes in layers,
// arrows for emitter → subscriber (one per pair, listing its topics), and
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
const GAP_X = 44;
const GAP_Y = 58;
const PAD = 16;
const REFRESH_MS = 2000;

const DUMMY_W = 14;

/**
 * Layered drawing (a small Sugiyama): layer = longest path from the steps
 * nobody feeds (cycles broken by dropping back edges); an edge that skips
 * layers gets a point in every layer it crosses, so it runs between boxes
 * rather than through them; order and x position come from the mean
 * position of each node's neighbours, swept down and up a few times.
 * Returns {layers: [[id]], nodes: Map(id → {x, y, w, dummy}), chains: [{from, to, topics, path: [id]}]}.
 */
export function layout(steps, edges) {
  const names = steps.map((st) => st.name);
  const out = new Map(names.map((n) => [n, []]));
  const topics = new Map();
  for (const e of edges) {
    if (!out.has(e.from) || !out.has(e.to)) continue;
    const key = `${e.from}\u2192${e.to}`;
    if (!topics.has(key)) topics.set(key, []);
    topics.get(key).push(e.topic);
    if (e.from !== e.to && !out.get(e.from).includes(e.to)) out.get(e.from).push(e.to);
  }
  // Drop back edges found by a depth-first search so the rest is a DAG.
  const state = new Map();
  const dag = new Map(names.map((n) => [n, []]));
  const visit = (n) => {
    state.set(n, 1);
    for (const m of out.get(n)) {
      if (state.get(m) === 1) continue;
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
  // A source step (e.g. a cron) sits just above the first step it feeds.
  for (const n of names) {
    const targets = dag.get(n);
    const fed = names.some((x) => dag.get(x).includes(n));
    if (!fed && targets.length) layer.set(n, Math.max(layer.get(n), Math.min(...targets.map((x) => layer.get(x))) - 1));
  }

  const nodes = new Map();
  const layers = [];
  const add = (id, l, dummy) => {
    nodes.set(id, { id, layer: l, dummy, w: dummy ? DUMMY_W : 0, x: 0, preds: [], succs: [] });
    (layers[l] ||= []).push(id);
  };
  for (const n of names) add(n, layer.get(n), false);
  const link = (a, b) => { nodes.get(a).succs.push(b); nodes.get(b).preds.push(a); };
  const chains = [];
  let dummies = 0;
  for (const [key, list] of topics) {
    const [from, to] = key.split('\u2192');
    if (from === to || !dag.get(from).includes(to)) {
      chains.push({ from, to, topics: list, path: [from, to], back: from !== to, self: from === to });
      continue;
    }
    const path = [from];
    for (let l = layer.get(from) + 1; l < layer.get(to); l += 1) {
      const id = `\u0000d${dummies += 1}`;
      add(id, l, true);
      path.push(id);
    }
    path.push(to);
    for (let i = 1; i < path.length; i += 1) link(path[i - 1], path[i]);
    chains.push({ from, to, topics: list, path });
  }
  for (let l = 0; l < layers.length; l += 1) layers[l] ||= [];

  const mean = (ids, f) => (ids.length ? ids.reduce((a, id) => a + f(id), 0) / ids.length : null);
  const order = new Map();
  const renumber = () => layers.forEach((row) => row.forEach((id, i) => order.set(id, i)));
  renumber();
  for (let sweep = 0; sweep < 6; sweep += 1) {
    const down = sweep % 2 === 0;
    const seq = down ? layers.map((_, i) => i).slice(1) : layers.map((_, i) => i).reverse().slice(1);
    for (const l of seq) {
      const key = new Map(layers[l].map((id) => {
        const n = nodes.get(id);
        const b = mean(down ? n.preds : n.succs, (x) => order.get(x));
        return [id, b === null ? order.get(id) : b];
      }));
      layers[l].sort((a, b) => key.get(a) - key.get(b));
      layers[l].forEach((id, i) => order.set(id, i));
    }
  }
  return { layers, nodes, chains };
}

/** x centres: packed rows, then pulled towards the mean of their neighbours. */
function placeX(layers, nodes, boxW, gap) {
  const width = (id) => (nodes.get(id).dummy ? DUMMY_W : boxW);
  const pack = (row, want) => {
    // Keep the order; each node as close to its wish as the left neighbour allows,
    // then shift the row so that on average it sits where it wants.
    let right = -Infinity;
    const xs = row.map((id) => {
      const w = width(id);
      const x = Math.max(want.get(id), right + gap + w / 2);
      right = x + w / 2;
      return x;
    });
    const shift = row.reduce((a, id, i) => a + (want.get(id) - xs[i]), 0) / Math.max(1, row.length);
    row.forEach((id, i) => { nodes.get(id).x = xs[i] + shift; });
    for (let i = 1; i < row.length; i += 1) {
      const a = nodes.get(row[i - 1]);
      const b = nodes.get(row[i]);
      const min = a.x + width(row[i - 1]) / 2 + gap + width(row[i]) / 2;
      if (b.x < min) b.x = min;
    }
  };
  for (const row of layers) {
    const total = row.reduce((a, id) => a + width(id), 0) + gap * Math.max(0, row.length - 1);
    let x = -total / 2;
    for (const id of row) { nodes.get(id).x = x + width(id) / 2; x += width(id) + gap; }
  }
  for (let sweep = 0; sweep < 8; sweep += 1) {
    const down = sweep % 2 === 0;
    const seq = down ? layers.map((_, i) => i).slice(1) : layers.map((_, i) => i).reverse().slice(1);
    for (const l of seq) {
      const want = new Map(layers[l].map((id) => {
        const n = nodes.get(id);
        const nb = down ? n.preds : n.succs;
        const m = nb.length ? nb.reduce((a, x) => a + nodes.get(x).x, 0) / nb.length : n.x;
        return [id, m];
      }));
      pack(layers[l], want);
    }
  }
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
    const { layers, nodes: laid, chains } = layout(flow.steps, flow.edges);
    placeX(layers, laid, BOX_W, GAP_X);
    let minX = Infinity;
    let maxX = -Infinity;
    for (const n of laid.values()) {
      const w = n.dummy ? DUMMY_W : BOX_W;
      minX = Math.min(minX, n.x - w / 2);
      maxX = Math.max(maxX, n.x + w / 2);
    }
    const loopRoom = chains.some((c) => c.self || c.back) ? 48 : 0;
    const width = Math.ceil(maxX - minX + PAD * 2 + loopRoom);
    const height = PAD * 2 + layers.length * BOX_H + (layers.length - 1) * GAP_Y;
    const rowTop = (l) => PAD + l * (BOX_H + GAP_Y);
    const cx = (id) => laid.get(id).x - minX + PAD;
    const svg = s('svg', {
      class: 'flow-svg', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img',
      'aria-label': `Flow of ${flow.steps.length} steps; the table below lists them`,
    });
    svg.appendChild(s('defs', null,
      s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
        s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'flow-arrowhead' }))));

    // Spread the arrows leaving / entering a box along its edge, in x order.
    const ports = new Map();
    const port = (id, side, other) => {
      const key = `${id}|${side}`;
      if (!ports.has(key)) ports.set(key, []);
      ports.get(key).push(other);
    };
    const forward = chains.filter((c) => !c.self && !c.back);
    for (const c of forward) {
      port(c.path[0], 'out', c.path[1]);
      port(c.path[c.path.length - 1], 'in', c.path[c.path.length - 2]);
    }
    const portX = (id, side, other) => {
      const list = ports.get(`${id}|${side}`) || [other];
      const sorted = [...new Set(list)].sort((a, b) => cx(a) - cx(b));
      const i = sorted.indexOf(other);
      const span = BOX_W * 0.6;
      return cx(id) + (sorted.length > 1 ? -span / 2 + (span * i) / (sorted.length - 1) : 0);
    };

    const edgeLayer = s('g', { class: 'flow-edges' });
    for (const c of chains) {
      let d;
      if (c.self || c.back) {
        const a = laid.get(c.from);
        const b = laid.get(c.to);
        const x1 = cx(c.from) + BOX_W / 2;
        const y1 = rowTop(a.layer) + 22;
        const x2 = cx(c.to) + BOX_W / 2;
        const y2 = rowTop(b.layer) + BOX_H - 22;
        const reach = 36;
        d = c.self
          ? `M${x1},${y1} C${x1 + reach},${y1 - 14} ${x2 + reach},${y2 + 14} ${x2},${y2}`
          : `M${x1},${y1} C${x1 + 80},${y1} ${x2 + 80},${y2} ${x2},${y2}`;
      } else {
        const first = c.path[0];
        const last = c.path[c.path.length - 1];
        let x = portX(first, 'out', c.path[1]);
        let y = rowTop(laid.get(first).layer) + BOX_H;
        d = `M${x.toFixed(1)},${y}`;
        for (let i = 1; i < c.path.length; i += 1) {
          const id = c.path[i];
          const n = laid.get(id);
          const nx = id === last ? portX(last, 'in', c.path[i - 1]) : cx(id);
          const ny = rowTop(n.layer);
          const bend = (ny - y) / 2;
          d += ` C${x.toFixed(1)},${(y + bend).toFixed(1)} ${nx.toFixed(1)},${(ny - bend).toFixed(1)} ${nx.toFixed(1)},${ny}`;
          x = nx;
          y = ny;
          if (n.dummy) {
            y = ny + BOX_H;
            d += ` L${x.toFixed(1)},${y}`;
          }
        }
      }
      edgeLayer.appendChild(s('path', { class: 'flow-edge', d, 'marker-end': 'url(#arrow)' },
        s('title', null, `${c.from} \u2192 ${c.to}: ${c.topics.join(', ')}`)));
    }
    svg.appendChild(edgeLayer);

    nodes = new Map();
    for (const st of flow.steps) {
      const n = laid.get(st.name);
      const x = cx(st.name) - BOX_W / 2;
      const y = rowTop(n.layer);
      const name = st.name;
      const countsEl = s('text', { class: 'flow-counts', x: x + 12, y: y + 52 });
      const doneEl = s('text', { class: 'flow-done', x: x + 12, y: y + 68 });
      const deadBg = s('rect', { class: 'flow-dead-bg', x: x + BOX_W - 58, y: y + 10, width: 48, height: 18, rx: 9 });
      const deadEl = s('text', { class: 'flow-dead', x: x + BOX_W - 34, y: y + 19, 'text-anchor': 'middle', 'dominant-baseline': 'central' });
      const g = s('g', { class: `flow-node kind-${st.kind}`, dataset: { step: name } },
        s('title', null, `${name} (${st.kind})\nsubscribes: ${(st.subscribes || []).join(', ') || '\u2014'}\nemits: ${(st.emits || []).join(', ') || '\u2014'}${st.description ? `\n${st.description}` : ''}`),
        s('rect', { class: 'flow-box', x, y, width: BOX_W, height: BOX_H, rx: 10 }),
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
