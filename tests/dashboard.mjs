// dashboard.mjs — drive the system Chromium (headless) over the DevTools
// protocol: load the dashboard, wait for live data, check what it shows,
// click into a participant's detail view with a real mouse click, save a
// screenshot.  Prints one "ok"/"not ok" line per check for dashboard.test.
//
//   node dashboard.mjs CHROMIUM URL OUTDIR
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';

const [chromiumPath, url, outDir] = process.argv.slice(2);
const profile = mkdtempSync(join(tmpdir(), 'leadgate-chromium-'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let failures = 0;
function report(ok, what) {
  console.log(`${ok ? 'ok' : 'not ok'} ${what}`);
  if (!ok) failures++;
}

const chrome = spawn(chromiumPath, ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run',
  '--disable-extensions', '--disable-background-networking', '--window-size=1280,2400',
  `--user-data-dir=${profile}`, '--remote-debugging-address=127.0.0.1', '--remote-debugging-port=0', 'about:blank'],
  { stdio: ['ignore', 'ignore', 'pipe'] });
let chromeLog = '';
chrome.stderr.on('data', (d) => { chromeLog += d; });

async function devtoolsPort() {
  const file = join(profile, 'DevToolsActivePort');
  for (let i = 0; i < 200; i++) {
    if (existsSync(file)) {
      const port = readFileSync(file, 'utf8').split('\n')[0];
      if (port) return port;
    }
    await sleep(100);  // a bounded poll: until Chromium writes its port
  }
  throw new Error(`Chromium did not open its DevTools port: ${chromeLog.slice(-500)}`);
}

// A minimal DevTools client: numbered commands, events to listeners.
function connect(wsUrl) {
  const ws = new WebSocket(wsUrl);
  const pending = new Map(), listeners = [];
  let next = 1;
  ws.on('message', (data) => {
    const m = JSON.parse(data);
    if (m.id && pending.has(m.id)) {
      const { resolve, reject } = pending.get(m.id);
      pending.delete(m.id);
      m.error ? reject(new Error(`${m.error.message}`)) : resolve(m.result);
    } else if (m.method) for (const l of listeners) l(m);
  });
  return new Promise((resolve, reject) => {
    ws.on('open', () => resolve({
      send: (method, params = {}) => new Promise((res, rej) => {
        const id = next++;
        pending.set(id, { resolve: res, reject: rej });
        ws.send(JSON.stringify({ id, method, params }));
      }),
      on: (fn) => listeners.push(fn),
      close: () => ws.close(),
    }));
    ws.on('error', reject);
  });
}

// A real click: the element's centre, pressed and released.
async function clickOn(cdp, evaluate, selector) {
  await evaluate(`document.querySelector('${selector}').scrollIntoView({block: 'center'})`);
  const box = await evaluate(`(() => { const r = document.querySelector('${selector}').getBoundingClientRect(); return {x: r.x + r.width / 2, y: r.y + r.height / 2} })()`);
  for (const type of ['mouseMoved', 'mousePressed', 'mouseReleased'])
    await cdp.send('Input.dispatchMouseEvent', { type, x: box.x, y: box.y, button: 'left', clickCount: 1 });
}

// Every result of the leaderboard, read from the API page by page.
async function allResults() {
  const all = [];
  for (let cursor = 0, page = 0; page < 1000; page++) {
    const b = await (await fetch(new URL(`/v1/leaderboard/recent?cursor=${cursor}&limit=500`, url))).json();
    all.push(...b.results);
    if (b.results.length < 500) return all;
    cursor = b.next_cursor;
  }
  throw new Error('the leaderboard did not end within 1000 pages');
}

// The rule, computed here from the API's results: per challenge, each
// miner's best weighted score, and of the results with that score the
// earliest submission; the rows must run by best score down, then by
// that submission's time up. The page's own tie-breaks past that are
// its business. EXPECT_RANKING names the order the test's own scores
// must give for a challenge.
async function checkRankings(waitFor, evaluate) {
  const shown = await waitFor('the per-challenge rankings', `(() => { const t = [...document.querySelectorAll('table.ranking')];
    return t.length ? t.map((x) => ({ id: x.dataset.challenge, rows: [...x.querySelectorAll('tbody tr')].map((r) =>
      ({ miner: r.dataset.miner, best: Number(r.cells[2].textContent), rank: Number(r.cells[0].textContent) })) })) : null })()`);
  if (!shown) return;
  const expected = new Map();
  for (const r of await allResults()) {
    if (!expected.has(r.challenge_id)) expected.set(r.challenge_id, new Map());
    const m = expected.get(r.challenge_id), held = m.get(r.miner);
    if (!held || r.weighted_score > held.best || (r.weighted_score === held.best && r.submitted_at < held.submitted))
      m.set(r.miner, { best: r.weighted_score, submitted: r.submitted_at });
  }
  let ok = shown.length === expected.size, why = `${shown.length} rankings for ${expected.size} challenges with results`;
  for (const { id, rows } of shown) {
    const want = expected.get(id);
    if (!want) { ok = false; why = `a ranking for ${id}, which has no result`; continue; }
    if (rows.length !== want.size || new Set(rows.map((r) => r.miner)).size !== want.size) {
      ok = false; why = `${id}: ${rows.length} rows for ${want.size} miners`; continue;
    }
    rows.forEach((r, i) => {
      const w = want.get(r.miner), prev = i && want.get(rows[i - 1].miner);
      if (!w || w.best !== r.best || r.rank !== i + 1) { ok = false; why = `${id}: row ${i + 1} shows ${r.miner} at ${r.best}`; }
      else if (prev && (prev.best < w.best || (prev.best === w.best && prev.submitted > w.submitted))) {
        ok = false; why = `${id}: row ${i + 1} (${w.best}, submitted ${w.submitted}) is out of order`;
      }
    });
  }
  const counts = shown.map((b) => `${b.id}: ${b.rows.map((r) => r.best).join(' ≥ ')}`).join('; ');
  report(ok, `the leaderboard ranks each challenge's miners by their best weighted score, ties to the earlier submission, as the API's ${[...expected.values()].reduce((n, m) => n + m.size, 0)} miner-challenge pairs say (${ok ? counts : why})`);
  for (const [id, order] of Object.entries(JSON.parse(process.env.EXPECT_RANKING || '{}'))) {
    const got = shown.find((b) => b.id === id)?.rows.map((r) => r.miner) || [];
    report(JSON.stringify(got) === JSON.stringify(order), `${id}: the miners in the order the test's scores make (${got.map((m) => m.slice(0, 6)).join(', ')})`);
  }
}

// Validators' rows say their agreement and eligibility, miners' their
// approvals and weight, as /v1/participants has them.
async function checkParticipants(evaluate) {
  const api = await (await fetch(new URL('/v1/participants', url))).json();
  const rows = await evaluate(`Object.fromEntries([...document.querySelectorAll('#participant-table tbody tr')].map((r) =>
    [r.dataset.hotkey, [r.cells[5].textContent, r.cells[6].textContent]]))`);
  let ok = true, why = '', validators = 0;
  for (const p of api.participants) {
    const e = p.last_epoch, [result, standing] = rows[p.hotkey] || [];
    let want;
    if (!e) want = ['—', '—'];
    else if (p.role === 'validator') {
      validators++;
      want = [e.agreement == null ? `no decided votes (${e.votes} votes)` : `agreement ${Math.round(100 * e.agreement)}% (${e.in_consensus} of ${e.judged})`,
              e.eligible ? 'eligible' : 'not eligible'];
    } else want = [`${e.approved} approved, ${e.denied} denied`, `weight ${(100 * e.weight_u16 / 65535).toFixed(1)}%`];
    if (result !== want[0] || standing !== want[1]) { ok = false; why = `${p.hotkey}: "${result}", "${standing}", not "${want.join('", "')}"`; }
  }
  report(ok && validators > 0, `the participants table shows each validator's agreement and eligibility (${validators} validators) and each miner's approvals and weight of epoch ${api.last_closed_epoch}${why && ': ' + why}`);
}

// No chart label outside its SVG's box, where the SVG would cut it (and
// none of zero width: a label that is not drawn at all).
async function svgTextWhole(evaluate, width) {
  const r = await evaluate(`(() => { const bad = [], texts = [...document.querySelectorAll('svg text')];
    for (const t of texts) {
      const s = t.ownerSVGElement.getBoundingClientRect(), b = t.getBoundingClientRect();
      if (b.width === 0 || b.left < s.left - 0.5 || b.right > s.right + 0.5 || b.top < s.top - 0.5 || b.bottom > s.bottom + 0.5)
        bad.push(t.textContent + ' [' + Math.round(b.left) + '..' + Math.round(b.right) + ' of ' + Math.round(s.left) + '..' + Math.round(s.right) + ']');
    }
    return { n: texts.length, bad } })()`);
  report(r.n > 0 && r.bad.length === 0, `at ${width} pixels wide all ${r.n} chart labels are drawn whole${r.bad.length ? '; cut: ' + r.bad.slice(0, 6).join('; ') : ''}`);
}

async function main() {
  const port = await devtoolsPort();
  const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
  const page = targets.find((t) => t.type === 'page');
  const cdp = await connect(page.webSocketDebuggerUrl);
  const errors = [];
  cdp.on((m) => {
    if (m.method === 'Runtime.exceptionThrown') errors.push(m.params.exceptionDetails.exception?.description || m.params.exceptionDetails.text);
    if (m.method === 'Runtime.consoleAPICalled' && m.params.type === 'error') errors.push(m.params.args.map((a) => a.value ?? a.description).join(' '));
  });
  await cdp.send('Runtime.enable');
  await cdp.send('Page.enable');
  const evaluate = async (expr) => (await cdp.send('Runtime.evaluate', { expression: expr, returnByValue: true, awaitPromise: true })).result.value;
  async function waitFor(what, expr, seconds = 40) {
    for (let i = 0; i < seconds * 5; i++) {
      const v = await evaluate(expr);
      if (v) return v;
      await sleep(200);  // a bounded poll: until the page shows it
    }
    report(false, `${what} (waited ${seconds} s)`);
    return null;
  }

  await cdp.send('Page.navigate', { url });
  const epoch = await waitFor('the epoch number', `(() => { const t = document.getElementById('epoch-number')?.textContent; return /^\\d+$/.test(t) ? t : null })()`);
  const api = await evaluate(`fetch('/v1/epoch/current').then(r => r.json()).then(c => c.epoch)`);
  if (epoch) report(Math.abs(Number(epoch) - api) <= 1, `the epoch now is shown: ${epoch} (the API says ${api})`);
  const windows = await evaluate(`document.querySelectorAll('#epoch-progress span').length`);
  report(windows >= 4, `the progress bar draws the windows and the present offset (${windows} marks)`);

  const row = await waitFor('a participant row', `document.querySelector('#participant-table tbody tr')?.dataset.hotkey || null`);
  const rows = await evaluate(`document.querySelectorAll('#participant-table tbody tr').length`);
  if (row) report(rows > 0, `the participants table lists ${rows} hotkeys`);
  await checkRankings(waitFor, evaluate);
  await clickOn(cdp, evaluate, '#feed-toggle');
  const feed = await waitFor('the raw feed', `(() => { const t = document.getElementById('leaderboard'); return !t.hidden && t.offsetHeight > 0 && t.querySelectorAll('tbody tr').length || null })()`, 10);
  if (feed) report(true, `the "Show the raw feed" toggle shows the latest ${feed} results`);
  const chain = await waitFor('the verified log chain', `(() => { const s = document.getElementById('log-chain'); return s.dataset.verified > 0 ? s.textContent : null })()`);
  if (chain) report(/verified/.test(chain), `the log's hash chain is verified in the browser: "${chain}"`);
  const bars = await waitFor('the results chart', `document.querySelectorAll('#results-chart svg rect').length || null`);
  if (bars) report(true, `recent epochs' results are drawn (${bars} bars)`);

  await checkParticipants(evaluate);
  await svgTextWhole(evaluate, 1280);
  await clickOn(cdp, evaluate, '#participant-table tbody tr');
  const shown = await waitFor('the participant detail view', `(() => { const d = document.getElementById('participant-detail'); return !d.hidden && document.getElementById('detail-hotkey').textContent || null })()`);
  if (shown) {
    const epochs = await evaluate(`document.querySelectorAll('#detail-epochs tbody tr').length`);
    report(shown === row && epochs > 0, `clicking the first row opens ${shown}'s detail view with ${epochs} epoch rows`);
  }
  const shot = await cdp.send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true });
  writeFileSync(join(outDir, 'dashboard.png'), Buffer.from(shot.data, 'base64'));
  report(shot.data.length > 1000, `screenshot saved: ${join(outDir, 'dashboard.png')}`);
  // a phone: 390 CSS pixels wide, no sideways scrolling
  await cdp.send('Emulation.setDeviceMetricsOverride', { width: 390, height: 844, deviceScaleFactor: 2, mobile: true });
  await waitFor('the page laid out at 390 pixels', `document.documentElement.clientWidth === 390`, 10);
  // the charts redraw on the resize event: two frames later they have
  await evaluate(`new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))`);
  await svgTextWhole(evaluate, 390);
  const overflow = await evaluate(`document.documentElement.scrollWidth - document.documentElement.clientWidth`);
  if (overflow > 0)
    console.log(await evaluate(`[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1 && e.parentElement.getBoundingClientRect().right <= document.documentElement.clientWidth + 1).slice(0, 8).map(e => e.tagName + '#' + e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).join(', ')`));
  const phone = await cdp.send('Page.captureScreenshot', { format: 'png' });
  writeFileSync(join(outDir, 'dashboard-phone.png'), Buffer.from(phone.data, 'base64'));
  report(overflow <= 0, `on a 390-pixel-wide phone screen nothing overflows sideways (${overflow} px); dashboard-phone.png saved`);
  for (const width of [320, 700]) {
    await cdp.send('Emulation.setDeviceMetricsOverride', { width, height: 900, deviceScaleFactor: 1, mobile: false });
    await waitFor(`the page laid out at ${width} pixels`, `window.innerWidth === ${width}`, 10);
    await evaluate(`new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))`);
    await svgTextWhole(evaluate, width);
  }
  await cdp.send('Emulation.clearDeviceMetricsOverride');
  const text = await evaluate(`document.body.innerText`);
  writeFileSync(join(outDir, 'dashboard.txt'), text);
  report(errors.length === 0, `no script error in the page${errors.length ? ': ' + errors.join('; ') : ''}`);
  cdp.close();
}

main().catch((e) => report(false, `the browser run: ${e.message}`)).finally(async () => {
  const gone = new Promise((resolve) => chrome.once('exit', resolve));
  chrome.kill('SIGKILL');
  await Promise.race([gone, sleep(5000)]);  // a bounded wait for Chromium to exit
  try { rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 }); } catch (e) {
    console.log(`(the browser profile ${profile} was left behind: ${e.message})`);
  }
  process.exit(failures ? 1 : 0);
});
