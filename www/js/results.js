// results.js — recent closed epochs: decisions as an SVG bar chart, and
// the newest epoch's miner weights.
import { getJSON } from './api.js';

const SVG = 'http://www.w3.org/2000/svg';
const cache = new Map();  // epoch -> results (closed results never change)

function set(e, attrs) {
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

const svg = (tag, attrs) => set(document.createElementNS(SVG, tag), attrs);

// Drawn at the width it is shown at, so its 12-pixel labels stay 12
// pixels on a phone. The labels are measured once drawn and the bars get
// what room they leave; where the labels need more than the container
// has, the chart is drawn wider and scaled down, so a label is never cut.
function barChart(rows, label, container) {
  const h = 28 * rows.length + 10, max = Math.max(1, ...rows.map((r) => r.total));
  const s = svg('svg', { role: 'img', 'aria-label': label });
  const names = rows.map((r) => Object.assign(svg('text', {}), { textContent: r.name }));
  const notes = rows.map((r) => Object.assign(svg('text', {}), { textContent: r.note }));
  s.append(...names, ...notes);
  container.replaceChildren(s);
  const width = (texts) => Math.ceil(Math.max(0, ...texts.map((t) => t.getComputedTextLength() || 7 * t.textContent.length)));
  const left = width(names) + 8, noteRoom = width(notes) + 10;
  const w = Math.max(container.clientWidth || 600, left + noteRoom + 60), unit = (w - left - noteRoom) / max;
  rows.forEach((r, i) => {
    const y = 5 + i * 28;
    set(names[i], { x: 0, y: y + 15 });
    let x = left;
    for (const part of r.parts) {
      const bar = part.value * unit;
      s.insertBefore(svg('rect', { x, y, width: bar, height: 20, fill: part.colour }), names[0]);
      x += bar;
    }
    set(notes[i], { x: x + 6, y: y + 15 });
  });
  set(s, { viewBox: `0 0 ${w} ${h}`, width: w, height: h });
}

// The charts drawn last, drawn again when the window's width changes.
const drawn = new Map();  // container id -> [rows, label]
function draw(id, rows, label) {
  drawn.set(id, [rows, label]);
  barChart(rows, label, document.getElementById(id));
}
let redraw = 0;
window.addEventListener('resize', () => {
  cancelAnimationFrame(redraw);
  redraw = requestAnimationFrame(() => { for (const [id, [rows, label]] of drawn) draw(id, rows, label); });
});

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
    rows.push({ name: `epoch ${e}`, total: s.approved + s.denied + s.requeued, note: `${s.approved} approved, ${s.denied} denied` + (s.requeued ? `, ${s.requeued} requeued` : ''),
                parts: [{ value: s.approved, colour: '#1a7f37' }, { value: s.denied, colour: '#b3261e' }, { value: s.requeued, colour: '#bf8700' }] });
  }
  const chart = document.getElementById('results-chart');
  if (rows.length) draw('results-chart', rows, 'Approved, denied and requeued leads per epoch');
  else { drawn.delete('results-chart'); chart.replaceChildren('No results yet.'); }
  const newest = rows.length ? Number(rows[0].name.split(' ')[1]) : null;
  const weights = document.getElementById('weights-chart');
  document.getElementById('weights-epoch').textContent = newest ?? '—';
  if (newest == null) return;
  const miners = cache.get(newest).miners || [];
  if (miners.length) {
    draw('weights-chart', miners.map((m) => ({ name: `uid ${m.uid ?? '?'}`, total: 65535, note: `${(100 * m.weight_u16 / 65535).toFixed(1)}%`,
                                               parts: [{ value: m.weight_u16, colour: '#0b5cad' }] })), 'Miner weights');
  } else {
    drawn.delete('weights-chart');
    weights.replaceChildren('No miner earned a weight in this epoch.');
  }
}
