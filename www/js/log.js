// log.js — the latest transparency-log entries, their hash chain checked
// here with WebCrypto (hash = SHA-256(prev ‖ canonical entry)), and the
// bundles that carry the log to Arweave.
import { getJSON, el, short } from './api.js';

const PAGE = 40;

// The gateway's canonical JSON (docs/transparency.md "The log"): keys
// sorted, compact, ASCII, as jansson writes it with JSON_ENSURE_ASCII.
function str(s) {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0);
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (c === 8) out += '\\b'; else if (c === 12) out += '\\f';
    else if (c === 10) out += '\\n'; else if (c === 13) out += '\\r'; else if (c === 9) out += '\\t';
    else if (c < 0x20 || c > 0x7e) {
      const units = c > 0xffff ? [0xd800 + ((c - 0x10000) >> 10), 0xdc00 + ((c - 0x10000) & 0x3ff)] : [c];
      for (const u of units) out += '\\u' + u.toString(16).toUpperCase().padStart(4, '0');
    } else out += ch;
  }
  return out + '"';
}

export function canonical(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (typeof v === 'object') {
    const keys = Object.keys(v).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${keys.map((k) => `${str(k)}:${canonical(v[k])}`).join(',')}}`;
  }
  if (typeof v === 'string') return str(v);
  return String(v);
}

function hex(buf) { return [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join(''); }
function unhex(h) { return new Uint8Array(h.match(/../g).map((b) => parseInt(b, 16))); }

async function entryHash(prevHex, entry) {
  const text = new TextEncoder().encode(canonical(entry));
  const data = new Uint8Array(32 + text.length);
  data.set(unhex(prevHex), 0);
  data.set(text, 32);
  return hex(await crypto.subtle.digest('SHA-256', data));
}

// Each entry's hash from its prev and its canonical form, and each prev
// equal to the hash before it: how many were checked, or where it broke.
export async function verifyChain(entries) {
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    if (i > 0 && e.entry.prev !== entries[i - 1].hash) return { ok: false, seq: e.seq, why: 'prev does not match the hash before it' };
    if ((await entryHash(e.entry.prev, e.entry)) !== e.hash) return { ok: false, seq: e.seq, why: 'hash does not match the entry' };
  }
  return { ok: true, count: entries.length };
}

export async function pollLog() {
  const { body: health } = await getJSON('/v1/healthz').catch((e) => (e.problem ? { body: e.problem } : Promise.reject(e)));
  const head = health.log_seq || 0;
  const { body } = await getJSON(`/v1/log?after=${Math.max(0, head - PAGE)}&limit=${PAGE}`);
  const entries = body.entries;
  document.querySelector('#log-table tbody').replaceChildren(...entries.slice().reverse().map((e) => el('tr', {},
    el('td', {}, e.seq), el('td', {}, e.entry.epoch), el('td', {}, e.entry.type), el('td', { class: 'hash', title: e.hash }, short(e.hash, 16)))));
  const status = document.getElementById('log-chain');
  if (!(window.crypto && crypto.subtle)) {
    status.textContent = 'The hash chain cannot be checked here: this browser offers WebCrypto only over HTTPS or on localhost.';
    status.className = 'status bad';
  } else if (entries.length) {
    const v = await verifyChain(entries);
    status.textContent = v.ok
      ? `Hash chain verified in this browser: entries ${entries[0].seq}–${entries[entries.length - 1].seq} (${v.count}).`
      : `Hash chain BROKEN at entry ${v.seq}: ${v.why}.`;
    status.className = v.ok ? 'status ok' : 'status bad';
    status.dataset.verified = v.ok ? String(v.count) : '0';
  }
  const bundles = await getJSON('/v1/log/bundles?limit=10');
  const items = bundles.body.bundles || [];
  document.getElementById('bundle-list').replaceChildren(...(items.length ? items.map((b) => el('li', {},
    el('a', { href: b.href }, `epoch ${b.epoch}`), ` — entries ${b.first_seq}–${b.last_seq}, ${b.items} items, ${b.size} bytes; `,
    ...uploadState(b.upload)))
    : [el('li', {}, 'No bundle written yet.')]));
}

// Where a bundle stands on its way to Arweave, linked to its transaction
// (or data item) once posted.
function uploadState(u) {
  if (!u || !u.arweave_id) return [el('span', { class: 'upload' }, u && u.state === 'refused' ? 'upload refused' : 'not uploaded yet')];
  return [el('span', { class: 'upload' }, `${u.state} on Arweave as `),
    el('a', { href: `https://arweave.net/${u.arweave_id}`, rel: 'noopener' }, short(u.arweave_id, 8))];
}
