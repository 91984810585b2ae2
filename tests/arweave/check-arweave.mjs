// check-arweave.mjs — arweave-js (the reference Arweave client) checks what
// leadgate's store/arweave.c made (through tests/arweave-tool):
//   node check-arweave.mjs chunks FILE CHUNKS.json
//       the data root arweave-js computes for FILE is the one given, and each
//       chunk's data_path validates (merkle.validatePath) for its byte range
//   node check-arweave.mjs tx TX.json
//       arweave-js verifies the transaction: its id is the SHA-256 of its
//       signature, which verifies over its deep hash with its owner's key;
//       and the data it carries has the data_root it names
// Prints a JSON verdict and exits 0 when everything holds, 1 otherwise.
import { readFileSync } from 'node:fs';
import Arweave from 'arweave';
import Transaction from 'arweave/node/lib/transaction.js';
import * as merkle from 'arweave/node/lib/merkle.js';

const b64 = (u8) => Buffer.from(u8).toString('base64url');
const [mode, a, b] = process.argv.slice(2);
const out = { ok: true, failures: [] };
const fail = (why) => { out.ok = false; out.failures.push(why); };

if (mode === 'chunks') {
  const data = new Uint8Array(readFileSync(a));
  const mine = JSON.parse(readFileSync(b, 'utf8'));
  const root = await merkle.computeRootHash(data);
  out.data_root = b64(root);
  if (out.data_root !== mine.data_root) fail(`data_root ${mine.data_root}, arweave-js ${out.data_root}`);
  const theirs = await merkle.generateTransactionChunks(data);
  if (theirs.chunks.length !== mine.chunks.length)
    fail(`${mine.chunks.length} chunks, arweave-js ${theirs.chunks.length}`);
  for (const [i, c] of mine.chunks.entries()) {
    const path = Buffer.from(c.data_path, 'base64url');
    const t = theirs.chunks[i], p = theirs.proofs[i];
    if (!t || t.minByteRange !== c.start || t.maxByteRange !== c.end)
      fail(`chunk ${i}: range ${c.start}..${c.end}, arweave-js ${t?.minByteRange}..${t?.maxByteRange}`);
    if (!p || b64(p.proof) !== c.data_path) fail(`chunk ${i}: data_path differs from arweave-js's`);
    const v = await merkle.validatePath(root, c.end - 1, 0, data.byteLength, path);
    if (!v || v.leftBound !== c.start || v.rightBound !== c.end) fail(`chunk ${i}: validatePath refuses it`);
  }
  out.chunks = mine.chunks.length;
} else if (mode === 'tx') {
  const json = JSON.parse(readFileSync(a, 'utf8'));
  const arweave = Arweave.init({});
  const tx = new Transaction.default(json);
  out.verified = await arweave.transactions.verify(tx);
  if (!out.verified) fail('arweave.transactions.verify refuses it');
  const data = Buffer.from(json.data, 'base64url');
  const root = b64(await merkle.computeRootHash(new Uint8Array(data)));
  if (root !== json.data_root) fail(`data_root ${json.data_root}, arweave-js ${root}`);
  if (String(data.length) !== json.data_size) fail(`data_size ${json.data_size}, data ${data.length}`);
  const owner = Buffer.from(json.owner, 'base64url');
  out.owner_bits = owner.length * 8;
  out.id = json.id;
} else {
  console.error('usage: check-arweave.mjs chunks FILE CHUNKS.json | tx TX.json');
  process.exit(2);
}
console.log(JSON.stringify(out));
process.exit(out.ok ? 0 : 1);
