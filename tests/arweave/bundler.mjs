// bundler.mjs PORT DIR — a bundler on 127.0.0.1:PORT that speaks the
// upload interface of ArDrive Turbo as its service documents it
// (ardriveapp/turbo-upload-service docs/openapi.yaml; the status as
// turbo-sdk reads it), for tests/upload.test's bundler mode: no public
// bundler can be installed here.  What it checks is real: each posted data
// item is parsed and its signature verified by arbundles (the reference
// ANS-104 code); the bytes are kept in DIR/<id>.
//   POST /v1/tx    200 a receipt {id, owner, dataCaches, fastFinalityIndexes,
//                  deadlineHeight, timestamp, version, public, signature},
//                  202 "Data Item Exists" for an id it holds,
//                  400 "Data item parsing error!", 402 "Insufficient balance"
//                  while DIR/broke exists
//   GET /v1/tx/{id}/status  {status: CONFIRMED | FINALIZED, bundleId, info}:
//                  FINALIZED once DIR/<id>.final exists; 404 NOT_FOUND
import { createServer } from 'node:http';
import { existsSync, writeFileSync } from 'node:fs';
import { DataItem } from 'arbundles';

const [port, dir] = process.argv.slice(2);
const text = (res, code, body) => { res.writeHead(code, { 'content-type': 'text/plain' }); res.end(body); };
const json = (res, code, body) => { res.writeHead(code, { 'content-type': 'application/json' }); res.end(JSON.stringify(body)); };

createServer((req, res) => {
  const status = req.url.match(/^\/v1\/tx\/([A-Za-z0-9_-]{43})\/status$/);
  if (req.method === 'GET' && status) {
    const id = status[1];
    if (!existsSync(`${dir}/${id}`)) return json(res, 404, { status: 'NOT_FOUND' });
    const final = existsSync(`${dir}/${id}.final`);
    return json(res, 200, { status: final ? 'FINALIZED' : 'CONFIRMED', bundleId: 'local-bundle',
      info: final ? 'permanent' : 'pending' });
  }
  if (req.method !== 'POST' || req.url !== '/v1/tx') return text(res, 404, 'Not Found');
  if (req.headers['content-type'] !== 'application/octet-stream') return text(res, 400, 'Invalid Content Type');
  const parts = [];
  req.on('data', (c) => parts.push(c));
  req.on('end', async () => {
    const bytes = Buffer.concat(parts);
    let item, valid = false;
    try { item = new DataItem(bytes); valid = await DataItem.verify(bytes); } catch { valid = false; }
    if (!valid) return text(res, 400, 'Data item parsing error!');
    if (existsSync(`${dir}/broke`)) return text(res, 402, 'Insufficient balance');
    if (existsSync(`${dir}/${item.id}`)) return text(res, 202, 'Data Item Exists');
    writeFileSync(`${dir}/${item.id}`, bytes);
    json(res, 200, { id: item.id, owner: item.owner, dataCaches: ['arweave.net'],
      fastFinalityIndexes: ['arweave.net'], deadlineHeight: 1310000, timestamp: Date.now(),
      version: '0.1.0', public: 'local-bundler', signature: 'unsigned-local-receipt' });
  });
}).listen(Number(port), '127.0.0.1');
