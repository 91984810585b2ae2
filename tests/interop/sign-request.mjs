// An independent RFC 9421 client for leadgate's interoperability tests.
// It signs with the http-message-signatures package (dhensby/node-http-message-signatures)
// and keys nobody on this project implemented: Node's own ed25519 for
// ed25519 key files, and for sr25519 key files ("sr25519:" + seed) either
// w3f/schnorrkel compiled to WebAssembly (@polkadot/wasm-crypto, the Rust
// code behind Substrate and Bittensor wallets) or @scure/sr25519 (the pure
// JavaScript one that @polkadot/util-crypto signs with).
//
// usage: node sign-request.mjs KEYFILE SS58 METHOD URL [BODYFILE]
//   SR25519_SIGNER=schnorrkel (default) | scure chooses the sr25519 signer;
//   ALG_LABEL=ed25519|sr25519 puts another alg than the key's into the signature
// prints the HTTP status on the first line and the response body after it.
import { readFileSync } from 'node:fs';
import { createHash, createPrivateKey, randomBytes, sign } from 'node:crypto';
import { httpbis } from 'http-message-signatures';
import * as wasm from '@polkadot/wasm-crypto';
import { sr25519PairFromSeed, sr25519Sign } from '@polkadot/util-crypto';

const [keyFile, keyid, method, url, bodyFile] = process.argv.slice(2);
const text = readFileSync(keyFile, 'utf8').trim();

async function signer() {
  if (!text.startsWith('sr25519:')) {
    const seed = Buffer.from(text, 'hex');
    // PKCS#8 wrapping of a raw ed25519 seed (RFC 8410)
    const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
    const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    return { alg: 'ed25519', sign: async (data) => sign(null, data, key) };
  }
  const seed = Buffer.from(text.slice('sr25519:'.length), 'hex');
  if (process.env.SR25519_SIGNER === 'scure') {
    const pair = sr25519PairFromSeed(seed);
    return { alg: 'sr25519', sign: async (data) => Buffer.from(sr25519Sign(data, pair)) };
  }
  await wasm.waitReady();
  const pair = wasm.sr25519KeypairFromSeed(seed);  // secret (64) ‖ public (32)
  const secret = pair.slice(0, 64), pub = pair.slice(64);
  return { alg: 'sr25519', sign: async (data) => Buffer.from(wasm.sr25519Sign(pub, secret, data)) };
}

const { alg: keyAlg, sign: signBytes } = await signer();
// ALG_LABEL names another alg than the key's (the tests' alg-confusion cases)
const alg = process.env.ALG_LABEL || keyAlg;
const body = bodyFile ? readFileSync(bodyFile) : undefined;
const headers = {};
const fields = ['@method', '@path', '@query'];
if (body) {
  headers['Content-Type'] = 'application/json';
  headers['Content-Digest'] = `sha-256=:${createHash('sha256').update(body).digest('base64')}:`;
  fields.push('content-digest');
}
const signed = await httpbis.signMessage({
  key: { id: keyid, alg, sign: signBytes },
  fields,
  params: ['created', 'nonce', 'keyid', 'alg'],
  // SIGN_CREATED: the gateway's clock (unix seconds) when a test has moved
  // it (SPEC §2); else this machine's, as the library takes it
  paramValues: {
    nonce: randomBytes(18).toString('base64url'),
    ...(process.env.SIGN_CREATED ? { created: new Date(Number(process.env.SIGN_CREATED) * 1000) } : {}),
  },
}, { method, url, headers });

const res = await fetch(url, { method, headers: signed.headers, body });
console.log(res.status);
console.log(await res.text());
