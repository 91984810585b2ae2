// verify-bundle.mjs FILE | --item FILE: read an ANS-104 bundle (or a data
// item carrying one) with arbundles, the reference implementation, and
// print what it finds as JSON: whether every item verifies, and each
// item's id, signature type, tags and data.  Used by tests/bundle.test.
import { readFileSync } from 'node:fs';
import { Bundle, DataItem } from 'arbundles';

const carrier = process.argv[2] === '--item';
const bytes = readFileSync(process.argv[carrier ? 3 : 2]);
const out = {};
let bundleBytes = bytes;
if (carrier) {
  const item = new DataItem(bytes);
  out.item = {
    verified: await DataItem.verify(bytes),
    id: item.id,
    signatureType: item.signatureType,
    tags: Object.fromEntries(item.tags.map((t) => [t.name, t.value])),
  };
  bundleBytes = item.rawData;
}
const bundle = new Bundle(bundleBytes);
out.verified = await bundle.verify();
out.items = bundle.items.map((it) => ({
  id: it.id,
  signatureType: it.signatureType,
  owner: it.owner,
  tags: Object.fromEntries(it.tags.map((t) => [t.name, t.value])),
  data: it.rawData.toString('utf8'),
}));
process.stdout.write(JSON.stringify(out) + '\n');
