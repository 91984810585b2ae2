// results.js — recent closed epochs: decisions as an SVG bar chart, and
// the newest epoch's miner weights.
import { getJSON } from './api.js';

const SVG = 'http://www.w3.org/2000/svg';
const cache = new Map();  // epoch -> results (closed results never change)

function svg(tag, attrs) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

// Drawn at the width it is shown at, so its 12-pixel labels stay 12
// pixels on a phone.
function barChart(rows, label, container) {
  const w = Math.max(300, Math.min(700, container.clientWidth || 600));
  const h = 28 * rows.length + 10, max = Math.max(1, ...rows.map((r) => r.total));
  const s = svg('svg', { viewBox: `0 0 ${w} ${h}`, width: w, height: h, role: 'img', 'aria-label': label });
  rows.forEach((r, i) => {
    const y = 5 + i * 28, unit = (w - 200) / max;
    const t = svg('text', { x: 0, y: y + 15 });
    t.textContent = r.name;
    s.append(t);
    let x = 80;
    for (const part of r.parts) {
      const width = part.value * unit;
      s.append(svg('rect', { x, y, width, height: 20, fill: part.colour }));
      x += width;
    }
    const n = svg('text', { x: x + 6, y: y + 15 });
    n.textContent = r.note;
    s.append(n);
  });
  return s;
}

export async function pollResults(lastClosed) {
  if (lastClosed == null) {
    document.getElementById('results-chart').textContent = 'No epoch has closed yet.';
    return;
  }
  const epochs = [];
  for (let e = lastClosed; e > lastClosed - 6 && e >= 0; e--) epochs.push(e);
  const rows = [];
  for (const e of epochs) {
    if (!cache.has(e)) {
      try { cache.set(e, (await getJSON(`/v1/epoch/${e}/results`)).body); } catch (err) {
        if (err.status === 404) continue;  // never assigned, or not closed
        throw err;
      }
    }
    const s = cache.get(e).summary;
    rows.push({ name: `epoch ${e}`, total: s.approved + s.denied + s.requeued, note: `${s.approved} approved, ${s.denied} denied`,
                parts: [{ value: s.approved, colour: '#1a7f37' }, { value: s.denied, colour: '#b3261e' }, { value: s.requeued, colour: '#bf8700' }] });
  }
  const chart = document.getElementById('results-chart');
  chart.replaceChildren(rows.length ? barChart(rows, 'Approved and denied leads per epoch', chart) : 'No results yet.');
  const newest = rows.length ? Number(rows[0].name.split(' ')[1]) : null;
  const weights = document.getElementById('weights-chart');
  document.getElementById('weights-epoch').textContent = newest ?? '—';
  if (newest == null) return;
  const miners = cache.get(newest).miners || [];
  weights.replaceChildren(miners.length
    ? barChart(miners.map((m) => ({ name: `uid ${m.uid ?? '?'}`, total: 65535, note: `${(100 * m.weight_u16 / 65535).toFixed(1)}%`,
                                    parts: [{ value: m.weight_u16, colour: '#0b5cad' }] })), 'Miner weights', weights)
    : 'No miner earned a weight in this epoch.');
}
