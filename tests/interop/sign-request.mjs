// An independent RFC 9421 client for leadgate's interoperability tests.
// It signs with the http-message-signatures package (dhensby/node-http-message-signatures)
// and Node's own ed25519, so nothing of leadgate's signing code is involved.
//
// usage: node sign-request.mjs SEEDFILE SS58 METHOD URL [BODYFILE]
// prints the HTTP status on the first line and the response body after it.
import { readFileSync } from 'node:fs';
import { createHash, createPrivateKey, randomBytes, sign } from 'node:crypto';
import { httpbis } from 'http-message-signatures';

const [seedFile, keyid, method, url, bodyFile] = process.argv.slice(2);
const seed = Buffer.from(readFileSync(seedFile, 'utf8').trim(), 'hex');
// PKCS#8 wrapping of a raw ed25519 seed (RFC 8410)
const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });

const body = bodyFile ? readFileSync(bodyFile) : undefined;
const headers = {};
const fields = ['@method', '@path', '@query'];
if (body) {
  headers['Content-Type'] = 'application/json';
  headers['Content-Digest'] = `sha-256=:${createHash('sha256').update(body).digest('base64')}:`;
  fields.push('content-digest');
}
const signed = await httpbis.signMessage({
  key: { id: keyid, alg: 'ed25519', sign: async (data) => sign(null, data, key) },
  fields,
  params: ['created', 'nonce', 'keyid', 'alg'],
  paramValues: { nonce: randomBytes(18).toString('base64url') },
}, { method, url, headers });

const res = await fetch(url, { method, headers: signed.headers, body });
console.log(res.status);
console.log(await res.text());
