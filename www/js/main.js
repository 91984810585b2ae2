// main.js — the dashboard: each section polls its part of the API.
import { every, showError } from './api.js';
import { pollEpoch, tickEpoch } from './epoch.js';
import { pollResults } from './results.js';
import { pollChallenges, setupChallenges } from './challenges.js';
import { pollParticipants, setupParticipants, showParticipant } from './participants.js';
import { pollLog } from './log.js';

let lastClosed = null;

function route() {
  const m = location.hash.match(/^#participant\/(.+)$/);
  showParticipant(m ? decodeURIComponent(m[1]) : null);
}

setupParticipants();
setupChallenges();
window.addEventListener('hashchange', route);
route();
every(5000, 'epoch', pollEpoch);
setInterval(tickEpoch, 1000);
// results change only when an epoch closes, which rebuilds the participants
async function refreshResults() {
  try { await pollResults(lastClosed); showError('results', null); } catch (e) { showError('results', e); }
}
every(10000, 'participants', async () => {
  const closed = await pollParticipants();
  if (closed !== null && closed !== lastClosed) {
    lastClosed = closed;
    await refreshResults();
  }
});
refreshResults();
every(5000, 'challenges', pollChallenges);
every(10000, 'log', pollLog);
