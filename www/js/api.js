// api.js — the gateway's public API: JSON reads, RFC 9457 problems shown
// where they happen, and conditional polls with If-None-Match.

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem && problem.detail ? `${problem.title || status}: ${problem.detail}` : `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

// GET path; with etag, a 304 answers {notModified: true}.
export async function getJSON(path, etag) {
  const headers = etag ? { 'If-None-Match': etag } : {};
  const r = await fetch(path, { headers, cache: 'no-store' });
  if (r.status === 304) return { notModified: true, etag };
  const type = r.headers.get('Content-Type') || '';
  const body = type.includes('json') ? await r.json() : null;
  if (!r.ok) throw new ApiError(r.status, body);
  return { body, etag: r.headers.get('ETag') };
}

// The section's error line: the API's own words, or cleared.
export function showError(section, err) {
  const p = document.querySelector(`#${section} .error`);
  if (!p) return;
  p.hidden = !err;
  p.textContent = err ? `Could not load: ${err.message}` : '';
}

// Run fn now and every ms; its failures go to the section's error line.
export function every(ms, section, fn) {
  const run = async () => {
    try { await fn(); showError(section, null); } catch (e) { showError(section, e); }
  };
  run();
  return setInterval(run, ms);
}

export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

export function short(s, n = 10) {
  return s && s.length > 2 * n ? `${s.slice(0, n)}…${s.slice(-4)}` : s;
}
