// participants.js — every registered hotkey in a sortable, searchable
// table; a row opens that hotkey's recent epochs.
import { getJSON, el, short, showError } from './api.js';

let rows = [], sortKey = 'uid', ascending = true, tag = null;

// A miner's newest closed epoch is its leads and its weight; a
// validator's is its agreement and whether that made it eligible.
function lastEpoch(p) {
  const e = p.last_epoch;
  if (!e) return ['—', '—'];
  if (p.role === 'miner')
    return [`${e.approved} approved, ${e.denied} denied`, `weight ${(100 * e.weight_u16 / 65535).toFixed(1)}%`];
  const agreement = e.agreement == null ? `no decided votes (${e.votes} votes)`
    : `agreement ${(100 * e.agreement).toFixed(0)}% (${e.in_consensus} of ${e.judged})`;
  return [agreement, e.eligible ? 'eligible' : 'not eligible'];
}

// Sort values; the last epoch's columns sort miners and validators apart,
// each by its own measure, and hotkeys without a closed epoch last.
const measures = {
  result: (e, miner) => (miner ? e.approved : e.agreement ?? -1),
  standing: (e, miner) => (miner ? e.weight_u16 : Number(e.eligible)),
};

function value(p, key) {
  if (!measures[key]) return [p[key]];
  const e = p.last_epoch, miner = p.role === 'miner';
  return e ? [miner ? 0 : 1, measures[key](e, miner)] : [2, 0];
}

function compare(x, y) {
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
  return 0;
}

function render() {
  const q = document.getElementById('participant-search').value.trim().toLowerCase();
  const shown = rows.filter((p) => !q || p.hotkey.toLowerCase().includes(q) || String(p.uid) === q || p.role === q)
    .sort((a, b) => compare(value(a, sortKey), value(b, sortKey)) * (ascending ? 1 : -1));
  document.querySelector('#participant-table tbody').replaceChildren(...shown.map((p) => {
    const [result, standing] = lastEpoch(p);
    const tr = el('tr', { tabindex: '0', 'data-hotkey': p.hotkey },
      el('td', {}, p.uid), el('td', {}, el('code', { title: p.hotkey }, short(p.hotkey))), el('td', {}, p.role),
      el('td', {}, p.stake), el('td', {}, p.validator_trust), el('td', {}, result), el('td', {}, standing));
    const open = () => { location.hash = `#participant/${p.hotkey}`; };
    tr.addEventListener('click', open);
    tr.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); open(); } });
    return tr;
  }));
}

export async function pollParticipants() {
  const r = await getJSON('/v1/participants', tag);
  if (r.notModified) return null;
  tag = r.etag;
  rows = r.body.participants;
  render();
  return r.body.last_closed_epoch;
}

export function setupParticipants() {
  document.getElementById('participant-search').addEventListener('input', render);
  for (const b of document.querySelectorAll('#participant-table th button')) {
    b.addEventListener('click', () => {
      ascending = sortKey === b.dataset.key ? !ascending : true;
      sortKey = b.dataset.key;
      render();
    });
  }
  document.getElementById('detail-close').addEventListener('click', () => { location.hash = '#participants'; });
}

export async function showParticipant(hotkey) {
  const box = document.getElementById('participant-detail');
  if (!hotkey) { box.hidden = true; return; }
  try {
    const { body: p } = await getJSON(`/v1/participants/${encodeURIComponent(hotkey)}`);
    document.getElementById('detail-hotkey').textContent = p.hotkey;
    document.getElementById('detail-summary').textContent =
      `uid ${p.uid}, ${p.role}, stake ${p.stake}, validator trust ${p.validator_trust}${p.active ? '' : ', inactive'}`;
    document.querySelector('#detail-epochs tbody').replaceChildren(...(p.epochs.length ? p.epochs.map((e) => el('tr', {},
      el('td', {}, e.epoch + (e.closed ? '' : ' (open)')), el('td', {}, e.submitted), el('td', {}, e.approved),
      el('td', {}, e.denied), el('td', {}, e.votes),
      el('td', {}, e.agreement == null ? '—' : `${(100 * e.agreement).toFixed(0)}%`),
      el('td', {}, e.closed ? (e.eligible ? 'yes' : 'no') : '—'), el('td', {}, e.weight_u16)))
      : [el('tr', {}, el('td', { colspan: '8' }, 'No activity recorded yet.'))]));
    box.hidden = false;
    box.focus();
    showError('participants', null);
  } catch (err) {
    box.hidden = true;
    showError('participants', err);
  }
}
