// epoch.js — the chain clock: block, offset, the windows as a bar, and
// countdowns that run between polls.
import { getJSON } from './api.js';

const colours = { distribution: '#0b5cad', commit: '#8250df', prefetch: '#bf8700', reveal: '#1a7f37' };
let last = null, fetchedAt = 0;

function render() {
  if (!last) return;
  const c = last, el = (id) => document.getElementById(id);
  const gone = Math.floor((Date.now() - fetchedAt) / 1000);
  el('epoch-number').textContent = c.epoch;
  el('epoch-block').textContent = c.block;
  el('epoch-offset').textContent = `${c.offset} / ${c.epoch_length}`;
  el('epoch-mode').textContent = c.consensus_mode || 'epoch';
  el('epoch-next').textContent = `${Math.max(0, c.next_epoch_in - gone)} s`;
  const bar = el('epoch-progress'), list = el('epoch-windows'), L = c.epoch_length;
  bar.replaceChildren();
  list.replaceChildren();
  const start = c.epoch * L;
  for (const [name, w] of Object.entries(c.windows)) {
    const from = Math.max(0, w.first_block - start), to = Math.min(L, w.last_block - start + 1);
    if (to > from) {
      const s = document.createElement('span');
      s.style.left = `${(100 * from) / L}%`;
      s.style.width = `${(100 * (to - from)) / L}%`;
      s.style.background = colours[name] || '#888';
      bar.append(s);
    }
    const li = document.createElement('li');
    const sw = document.createElement('span');
    sw.className = 'swatch';
    sw.style.background = colours[name] || '#888';
    const when = w.open ? `open, closes in ${Math.max(0, w.closes_in - gone)} s`
                        : w.opens_in > 0 ? `opens in ${Math.max(0, w.opens_in - gone)} s` : 'closed';
    li.append(sw, `${name}: blocks ${w.first_block}–${w.last_block}, ${when}`);
    list.append(li);
  }
  const now = document.createElement('span');
  now.className = 'now';
  now.style.left = `${(100 * c.offset) / L}%`;
  bar.append(now);
  bar.setAttribute('aria-label', `Offset ${c.offset} of ${L} blocks in epoch ${c.epoch}`);
}

export async function pollEpoch() {
  const { body } = await getJSON('/v1/epoch/current');
  last = body;
  fetchedAt = Date.now();
  render();
}

export function tickEpoch() { render(); }
