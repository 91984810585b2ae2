// check-upload.mjs — what arlocal alone says of a bundle leadgate-upload
// posted as the layer-1 transaction TXID:
//   node check-upload.mjs ARLOCAL_URL TXID SHA256 PREV_HASH
// its status; its data, downloaded chunk by chunk with arweave-js (the
// reference client), which must be the bundle (its SHA-256); the bundle's
// data items read by arbundles (the reference ANS-104 code, arlocal's
// own); each of them found by a GraphQL query for App-Name: leadgate
// (bundledIn TXID is asked for too, though arlocal 1.1.66 ignores that
// argument); each item's data as arlocal serves it (GET /{id}); and the
// log's hash chain recomputed from those bytes alone, from PREV_HASH (the
// hash of the entry before the bundle's first).  Prints a JSON verdict
// with the last hash; exits 0 when it all holds.
import { createHash } from 'node:crypto';
import Arweave from 'arweave';
import { Bundle } from 'arbundles';

const [base, txid, sha, prevHex] = process.argv.slice(2);
const url = new URL(base);
// a generous time-out: under make check's CPU load arlocal (node and
// sqlite) may take longer than arweave-js's default 20 s for a chunk
const arweave = Arweave.init({ host: url.hostname, port: Number(url.port), protocol: 'http', timeout: 120000 });
const out = { ok: true, failures: [] };
const fail = (why) => { out.ok = false; out.failures.push(why); };
const get = async (path) => {
  const r = await fetch(base + path);
  return { status: r.status, bytes: Buffer.from(await r.arrayBuffer()) };
};

const st = await get(`/tx/${txid}/status`);
out.status = st.status === 200 ? JSON.parse(st.bytes.toString()) : st.bytes.toString();

let data;
try {
  data = Buffer.from(await arweave.chunks.downloadChunkedData(txid));
} catch (e) {  // the verdict says why, rather than an empty answer
  fail(`downloading the transaction's data: ${e.message}`);
  console.log(JSON.stringify(out));
  process.exit(1);
}
out.data_sha256 = createHash('sha256').update(data).digest('hex');
if (out.data_sha256 !== sha) fail(`the transaction's data is not the bundle (SHA-256 ${out.data_sha256})`);
const bundle = new Bundle(data);
out.bundle_verified = await bundle.verify();
if (!out.bundle_verified) fail('arbundles does not verify the bundle arlocal holds');
const ids = bundle.getIds();

const query = `query($ids: [ID!], $tx: [ID!]) {
  transactions(ids: $ids, bundledIn: $tx, tags: [{name: "App-Name", values: ["leadgate"]}], first: 100) {
    edges { node { id tags { name value } } } } }`;
const found = new Map();
for (let i = 0; i < ids.length; i += 100) {
  const r = await fetch(`${base}/graphql`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables: { ids: ids.slice(i, i + 100), tx: [txid] } }),
  });
  const j = await r.json();
  const edges = j.data?.transactions?.edges;
  if (!edges) { fail(`graphql: ${JSON.stringify(j.errors ?? j)}`); break; }
  for (const e of edges) found.set(e.node.id, Object.fromEntries(e.node.tags.map((t) => [t.name, t.value])));
}
out.items = ids.length;
out.graphql_found = found.size;
if (found.size !== ids.length) fail(`GraphQL finds ${found.size} of the bundle's ${ids.length} items`);

let prev = Buffer.from(prevHex, 'hex');
for (const id of ids) {
  const tags = found.get(id);
  if (!tags) break;
  if (tags['Prev-Hash'] !== prev.toString('hex')) { fail(`seq ${tags.Seq}: Prev-Hash is not the previous entry's hash`); break; }
  const item = await get(`/${id}`);
  if (item.status !== 200) { fail(`GET /${id}: ${item.status}`); break; }
  const entry = JSON.parse(item.bytes.toString());
  if (String(entry.seq) !== tags.Seq || entry.prev !== tags['Prev-Hash']) fail(`seq ${tags.Seq}: the data is not its entry`);
  prev = createHash('sha256').update(prev).update(item.bytes).digest();
}
out.last_hash = prev.toString('hex');
console.log(JSON.stringify(out));
process.exit(out.ok ? 0 : 1);
