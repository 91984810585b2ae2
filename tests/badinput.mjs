// badinput.mjs — send every request of a corpus of malformed and hostile
// requests (tests/badinput.txt) to a running gateway over raw TCP, so that
// framing, headers and bytes go out exactly as written, and check each
// answer against the status (and problem type) the corpus documents.
//
// usage: node badinput.mjs HOST PORT CORPUS
// env: LEADGATE_BIN (leadgate-admin's directory), LEADGATE_KEYS (hotkey
// files by name), LEADGATE_CLIENT_KEY (a client's API key)
//
// Prints one "# ok|FAIL name: ..." line per case and a last line
// "cases N passed P" (exit 0 when all passed).
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';

const [host, port, corpusPath] = process.argv.slice(2);
const bin = process.env.LEADGATE_BIN;
const keys = process.env.LEADGATE_KEYS;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'leadgate-badinput-'));

// ---- the corpus ---------------------------------------------------------

const DIRECTIVES = ['expect', 'sign', 'after-sign', 'tamper', 'nolength', 'nohost', 'slow', 'keepalive'];

function parseCorpus(text) {
  const cases = [];
  let cur = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('=== ')) {
      cur = { name: line.slice(4).trim(), dirs: {}, afterSign: [], head: [], body: [], inBody: false };
      cases.push(cur);
    } else if (cur === null || (line.startsWith('#') && cur.head.length === 0)) {
      continue; // comments before a case's request
    } else if (cur.head.length === 0 && DIRECTIVES.includes(line.split(' ')[0])) {
      const [word, ...rest] = line.split(' ');
      if (word === 'after-sign') cur.afterSign.push(rest.join(' '));
      else cur.dirs[word] = rest.join(' ');
    } else if (!cur.inBody && line === '' && cur.head.length > 0) {
      cur.inBody = true;
    } else if (cur.inBody) {
      cur.body.push(line);
    } else if (line !== '') {
      cur.head.push(line);
    }
  }
  for (const c of cases) {
    while (c.body.length && c.body[c.body.length - 1] === '') c.body.pop();
    const [statuses, code = '*'] = (c.dirs.expect || '').split(' ');
    c.statuses = statuses.split('|').map(Number);
    c.code = code;
    if (!c.head.length || c.statuses.some(isNaN)) throw new Error(`case "${c.name}" is malformed`);
  }
  return cases;
}

// ---- expansions: {{x*N}}, {{CLIENT_KEY}}, {{ADDR:key}}, {{LEAD ops}} -----

const addrs = {};
function addr(key) {
  addrs[key] ??= execFileSync(`${bin}/leadgate-admin`, ['address', `${keys}/${key}`]).toString().trim();
  return addrs[key];
}

function lead(ops) {
  const n = 900000 + Math.floor(Math.random() * 99999);
  const l = {
    business: `Firm ${n}`, full_name: 'Pat Lee', first: 'Pat', last: 'Lee',
    email: `pat${n}@firm${n}.example.com`, role: 'CTO', website: `https://www.firm${n}.example.com`,
    industry: 'Software', sub_industry: 'SaaS', country: 'Germany', city: 'Berlin',
    linkedin: `https://www.linkedin.com/in/pat-lee-${n}`,
    company_linkedin: `https://www.linkedin.com/company/firm-${n}`,
    source_url: `https://firm${n}.example.com/team`, description: 'B2B software.',
    employee_count: '11-50', hq_country: 'Germany', wallet_ss58: addr('m1'),
    terms_version_hash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    lawful_collection: true, no_restricted_sources: true, license_granted: true,
    source_type: 'company_website',
  };
  for (const op of ops.split(';').map((s) => s.trim()).filter(Boolean)) {
    if (op.startsWith('-')) delete l[op.slice(1)];
    else {
      const i = op.indexOf('=');
      l[op.slice(0, i)] = JSON.parse(expand(op.slice(i + 1)));
    }
  }
  return JSON.stringify(l);
}

// innermost first, so that expansions nest: {{LEAD role="{{x*9}}"}}
function expand(s) {
  for (;;) {
    const next = expandOnce(s);
    if (next === s) return s;
    s = next;
  }
}

function expandOnce(s) {
  return s.replace(/\{\{((?:(?!\{\{)[^}])*)\}\}/g, (_, m) => {
    if (m === 'CLIENT_KEY') return process.env.LEADGATE_CLIENT_KEY;
    if (m.startsWith('ADDR:')) return addr(m.slice(5));
    if (m.startsWith('LEAD')) return lead(m.slice(4));
    const star = m.lastIndexOf('*');
    if (star > 0) return m.slice(0, star).repeat(Number(m.slice(star + 1)));
    throw new Error(`unknown expansion {{${m}}}`);
  });
}

// \xNN escapes give any byte; everything else is UTF-8
function bytes(s) {
  const parts = [];
  let last = 0;
  for (const m of s.matchAll(/\\x([0-9a-fA-F]{2})/g)) {
    parts.push(Buffer.from(s.slice(last, m.index), 'utf8'), Buffer.from([parseInt(m[1], 16)]));
    last = m.index + m[0].length;
  }
  parts.push(Buffer.from(s.slice(last), 'utf8'));
  return Buffer.concat(parts);
}

// ---- one request --------------------------------------------------------

function build(c) {
  let body = bytes(expand(c.body.join('\n')));
  const head = c.head.map(expand);
  const has = (name) => head.some((h) => h.toLowerCase().startsWith(`${name}:`));
  const [method, target] = head[0].split(' ');
  if (c.dirs.sign !== undefined) {
    const file = path.join(tmp, 'body');
    fs.writeFileSync(file, body);
    const args = ['sign', '--key', `${keys}/${c.dirs.sign}`, method, `http://${host}:${port}${target}`];
    if (body.length) args.push(file);
    const signed = execFileSync(`${bin}/leadgate-admin`, args).toString().trim().split('\n');
    head.push(...signed);
  }
  head.push(...c.afterSign.map(expand));
  if ('tamper' in c.dirs) body = Buffer.concat([body, Buffer.from(' ')]);  // after signing
  if (!('nohost' in c.dirs) && !has('host')) head.push(`Host: ${host}:${port}`);
  if (!('keepalive' in c.dirs) && !has('connection')) head.push('Connection: close');
  if (!('nolength' in c.dirs) && !has('content-length') && !has('transfer-encoding') &&
      (body.length || method === 'POST'))
    head.push(`Content-Length: ${body.length}`);
  return { head: bytes(head.join('\r\n') + '\r\n\r\n'), body };
}

function send(c, req) {
  return new Promise((resolve) => {
    const chunks = [];
    const sock = net.connect({ host, port: Number(port) });
    // The end of what we send (a half-close) goes once the answer has
    // begun, or after a second without one: a server still waiting for
    // more body then sees the end, and one that answers at once is never
    // raced by it (lighttpd drops a FastCGI answer that comes back after
    // it read the client's FIN).
    let endTimer = null;
    const finish = () => {
      clearTimeout(endTimer);
      if (!sock.destroyed && sock.writable) sock.end();
    };
    const done = (why) => {
      clearTimeout(timer);
      clearTimeout(endTimer);
      sock.destroy();
      resolve({ raw: Buffer.concat(chunks), why });
    };
    const timer = setTimeout(() => done('timeout'), 15000);
    sock.on('data', (d) => { chunks.push(d); finish(); });
    sock.on('end', () => done('closed'));
    sock.on('error', (e) => done(e.code));
    sock.on('connect', async () => {
      sock.write(req.head);
      const slow = Number(c.dirs.slow || 0);
      if (slow > 0) {  // the body in ten pieces, slow ms apart
        const step = Math.ceil(req.body.length / 10) || 1;
        for (let i = 0; i < req.body.length; i += step) {
          await new Promise((r) => setTimeout(r, slow));
          if (sock.destroyed || !sock.writable) return;
          sock.write(req.body.subarray(i, i + step));
        }
      } else {
        sock.write(req.body);
      }
      if (chunks.length > 0) finish();
      else endTimer = setTimeout(finish, 1000);
    });
  });
}

function parseResponse(raw) {
  const text = raw.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
  if (!m || end < 0) return null;
  const headers = {};
  for (const line of text.slice(0, end).split('\r\n').slice(1)) {
    const i = line.indexOf(':');
    headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  let body = raw.subarray(Buffer.byteLength(text.slice(0, end + 4), 'latin1'));
  if (/chunked/i.test(headers['transfer-encoding'] || '')) {
    const out = [];
    let s = body.toString('latin1');
    for (;;) {
      const nl = s.indexOf('\r\n');
      const size = parseInt(s.slice(0, nl), 16);
      if (!(size > 0)) break;
      out.push(s.slice(nl + 2, nl + 2 + size));
      s = s.slice(nl + 4 + size);
    }
    body = Buffer.from(out.join(''), 'latin1');
  }
  return { status: Number(m[1]), headers, body: body.toString('utf8') };
}

function judge(c, r, why) {
  if (r === null)  // status 0: closed without an answer, not left hanging
    return c.statuses.includes(0) && why !== 'timeout' ? null : `no HTTP response (${why})`;
  if (!c.statuses.includes(r.status)) return `status ${r.status}, want ${c.statuses.join('|')}`;
  if (c.code === '-') return null;  // the web server's own answer: status only
  if (r.status < 400) return null;
  const ct = r.headers['content-type'] || '';
  if (!ct.startsWith('application/problem+json')) return `content-type "${ct}", want problem+json`;
  let p;
  try { p = JSON.parse(r.body); } catch { return 'a problem body that is not JSON'; }
  if (p.status !== r.status || typeof p.title !== 'string' || typeof p.detail !== 'string')
    return `a problem without status, title and detail: ${r.body.slice(0, 200)}`;
  if (c.code !== '*' && p.type !== `urn:leadgate:problem:${c.code}`)
    return `problem ${p.type}, want ${c.code}`;
  return null;
}

const cases = parseCorpus(fs.readFileSync(corpusPath, 'utf8'));
const names = new Set();
let passed = 0;
for (const c of cases) {
  if (names.has(c.name)) throw new Error(`case "${c.name}" appears twice`);
  names.add(c.name);
  const res = await send(c, build(c));
  const r = parseResponse(res.raw);
  const bad = judge(c, r, res.why);
  let what = r ? `${r.status}` : res.why;
  if (r && (r.headers['content-type'] || '').startsWith('application/problem+json')) {
    try { what += ` ${JSON.parse(r.body).type.replace('urn:leadgate:problem:', '')}`; } catch { /* judged */ }
  }
  if (bad) console.log(`# FAIL ${c.name}: ${bad}`);
  else passed++, console.log(`# ok ${c.name}: ${what}`);
}
fs.rmSync(tmp, { recursive: true, force: true });
console.log(`cases ${cases.length} passed ${passed}`);
process.exit(passed === cases.length ? 0 : 1);
