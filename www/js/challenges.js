// challenges.js — the open challenges and the leaderboard, polled with
// If-None-Match so an unchanged answer costs a 304.
import { getJSON, el, short } from './api.js';

let activeTag = null, boardTag = null;
const board = [];  // newest last
let cursor = 0;

export async function pollChallenges() {
  const a = await getJSON('/v1/challenges/active', activeTag);
  if (!a.notModified) {
    activeTag = a.etag;
    const list = document.getElementById('challenge-list');
    const items = a.body.challenges || [];
    list.replaceChildren(...(items.length ? items.map((c) => el('li', {},
      el('strong', {}, c.title), el('br'), `${c.difficulty}, tier ${c.tier}, ×${c.multiplier}`, el('br'),
      `closes ${new Date(c.closes_at * 1000).toLocaleString()}`)) : [el('li', {}, 'No challenge is open.')]));
  }
  const b = await getJSON(`/v1/leaderboard/recent?cursor=${cursor}&limit=100`, boardTag);
  if (!b.notModified) {
    boardTag = b.etag;
    board.push(...b.body.results);
    if (b.body.next_cursor != null) cursor = b.body.next_cursor;
    const rows = board.slice(-20).reverse().map((r) => el('tr', {},
      el('td', {}, r.challenge_id), el('td', {}, el('code', {}, short(r.miner))), el('td', {}, r.score),
      el('td', {}, r.weighted_score), el('td', {}, new Date(r.evaluated_at * 1000).toLocaleTimeString())));
    document.querySelector('#leaderboard tbody').replaceChildren(...rows);
  }
}
