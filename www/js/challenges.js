// challenges.js — the open challenges and the leaderboard, polled with
// If-None-Match so an unchanged answer costs a 304. The leaderboard is
// shown as a ranking per challenge, the raw feed of results behind a
// toggle.
import { getJSON, el, short } from './api.js';

const PAGE = 100, PAGES_PER_POLL = 50;
let activeTag = null, boardTag = null;
const results = [];  // every result read so far, oldest first
const titles = new Map();  // challenge id -> title, of the challenges seen open
let cursor = 0;

// Per challenge, each miner's best result: the highest weighted score,
// among equal ones the earliest submitted (then the earliest evaluated,
// then the first posted: cursors are unique, so the order is total).
// Miners are ranked by their best results in the same order.
function rankings(list) {
  const better = (a, b) => b.weighted_score - a.weighted_score || a.submitted_at - b.submitted_at ||
    a.evaluated_at - b.evaluated_at || a.cursor - b.cursor;
  const best = new Map();  // challenge id -> {latest result's time, Map(miner -> its best result)}
  for (const r of list) {
    if (!best.has(r.challenge_id)) best.set(r.challenge_id, { latest: 0, miners: new Map() });
    const b = best.get(r.challenge_id), held = b.miners.get(r.miner);
    b.latest = Math.max(b.latest, r.evaluated_at);
    if (!held || better(r, held) < 0) b.miners.set(r.miner, r);
  }
  // the challenges with the newest results first
  return [...best].map(([id, b]) => ({
    id, latest: b.latest, miners: [...b.miners.values()].sort(better),
  })).sort((a, b) => b.latest - a.latest || (a.id < b.id ? -1 : 1));
}

function renderActive(items) {
  for (const c of items) titles.set(c.id, c.title);
  document.getElementById('challenge-list').replaceChildren(...(items.length ? items.map((c) => el('li', {},
    el('strong', {}, c.title), el('br'), `${c.difficulty}, tier ${c.tier}, ×${c.multiplier}`, el('br'),
    `closes ${new Date(c.closes_at * 1000).toLocaleString()}`)) : [el('li', {}, 'No challenge is open.')]));
}

const time = (t) => new Date(t * 1000).toLocaleTimeString();

function renderRankings() {
  const boards = rankings(results);
  document.getElementById('rankings').replaceChildren(...(boards.length ? boards.map((b) => el('table',
    { class: 'ranking', 'data-challenge': b.id },
    el('caption', {}, titles.has(b.id) ? `${titles.get(b.id)} (${b.id})` : b.id),
    el('thead', {}, el('tr', {}, ...['Rank', 'Miner', 'Best weighted', 'Score', 'Submitted']
      .map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, ...b.miners.map((r, i) => el('tr', { 'data-miner': r.miner },
      el('td', {}, i + 1), el('td', {}, el('code', { title: r.miner }, short(r.miner))),
      el('td', {}, r.weighted_score), el('td', {}, r.score), el('td', {}, time(r.submitted_at)))))))
    : [el('p', {}, 'No result has been posted yet.')]));
}

function renderFeed() {
  document.querySelector('#leaderboard tbody').replaceChildren(...results.slice(-20).reverse().map((r) => el('tr', {},
    el('td', {}, r.challenge_id), el('td', {}, el('code', { title: r.miner }, short(r.miner))), el('td', {}, r.score),
    el('td', {}, r.weighted_score), el('td', {}, time(r.evaluated_at)))));
}

// Every page after the cursor, up to PAGES_PER_POLL of them a poll; the
// ETag of the empty page past the last result makes an unchanged tail
// cost a 304 (another page's ETag never matches, so it costs nothing).
async function readBoard() {
  let read = 0;
  for (let page = 0; page < PAGES_PER_POLL; page++) {
    const b = await getJSON(`/v1/leaderboard/recent?cursor=${cursor}&limit=${PAGE}`, boardTag);
    if (b.notModified) break;
    boardTag = b.etag;
    results.push(...b.body.results);
    read += b.body.results.length;
    cursor = b.body.next_cursor;
    if (b.body.results.length < PAGE) break;
  }
  return read;
}

export function setupChallenges() {
  const toggle = document.getElementById('feed-toggle');
  toggle.addEventListener('click', () => {
    const show = toggle.getAttribute('aria-expanded') !== 'true';
    toggle.setAttribute('aria-expanded', String(show));
    toggle.textContent = show ? 'Hide the raw feed' : 'Show the raw feed';
    document.getElementById('leaderboard').hidden = !show;
  });
}

export async function pollChallenges() {
  const a = await getJSON('/v1/challenges/active', activeTag);
  if (!a.notModified) {
    activeTag = a.etag;
    renderActive(a.body.challenges || []);
  }
  if (await readBoard() || !a.notModified) {
    renderRankings();
    renderFeed();
  }
}
