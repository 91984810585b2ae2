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
  const board = await waitFor('a leaderboard row', `document.querySelectorAll('#leaderboard tbody tr').length || null`);
  if (board) report(true, `the leaderboard shows ${board} results`);
  const chain = await waitFor('the verified log chain', `(() => { const s = document.getElementById('log-chain'); return s.dataset.verified > 0 ? s.textContent : null })()`);
  if (chain) report(/verified/.test(chain), `the log's hash chain is verified in the browser: "${chain}"`);
  const bars = await waitFor('the results chart', `document.querySelectorAll('#results-chart svg rect').length || null`);
  if (bars) report(true, `recent epochs' results are drawn (${bars} bars)`);

  // a real click: the row's centre, pressed and released
  await evaluate(`document.querySelector('#participant-table tbody tr').scrollIntoView({block: 'center'})`);
  const box = await evaluate(`(() => { const r = document.querySelector('#participant-table tbody tr').getBoundingClientRect(); return {x: r.x + r.width / 2, y: r.y + r.height / 2} })()`);
  for (const type of ['mouseMoved', 'mousePressed', 'mouseReleased'])
    await cdp.send('Input.dispatchMouseEvent', { type, x: box.x, y: box.y, button: 'left', clickCount: 1 });
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
  const overflow = await evaluate(`document.documentElement.scrollWidth - document.documentElement.clientWidth`);
  if (overflow > 0)
    console.log(await evaluate(`[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1 && e.parentElement.getBoundingClientRect().right <= document.documentElement.clientWidth + 1).slice(0, 8).map(e => e.tagName + '#' + e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).join(', ')`));
  const phone = await cdp.send('Page.captureScreenshot', { format: 'png' });
  writeFileSync(join(outDir, 'dashboard-phone.png'), Buffer.from(phone.data, 'base64'));
  report(overflow <= 0, `on a 390-pixel-wide phone screen nothing overflows sideways (${overflow} px); dashboard-phone.png saved`);
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
