// Checks a request signature made by leadgate (leadgate-admin sign) with
// verifiers nobody on this project wrote: http-message-signatures builds the
// RFC 9421 signature base, and w3f/schnorrkel compiled to WebAssembly
// (@polkadot/wasm-crypto) or Node's ed25519 checks the signature over it.
//
// usage: node verify-request.mjs HEADERFILE METHOD URL
//   HEADERFILE holds "Name: value" lines as leadgate-admin sign prints them.
// prints "verified ALG" and exits 0, or says why not and exits 1.
import { readFileSync } from 'node:fs';
import { createPublicKey, verify } from 'node:crypto';
import { httpbis } from 'http-message-signatures';
import * as wasm from '@polkadot/wasm-crypto';
import { decodeAddress } from '@polkadot/util-crypto';

const [headerFile, method, url] = process.argv.slice(2);
const headers = {};
for (const line of readFileSync(headerFile, 'utf8').split('\n')) {
  const colon = line.indexOf(':');
  if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
}

await wasm.waitReady();
let usedAlg = null;
const keyLookup = async (params) => {
  const publicKey = decodeAddress(params.keyid);
  return {
    id: params.keyid,
    algs: ['sr25519', 'ed25519'],
    verify: async (data, signature, p) => {
      usedAlg = p.alg;
      if (p.alg === 'sr25519') return wasm.sr25519Verify(signature, data, publicKey);
      // SPKI wrapping of a raw ed25519 public key (RFC 8410)
      const der = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), publicKey]);
      return verify(null, data, createPublicKey({ key: der, format: 'der', type: 'spki' }), signature);
    },
  };
};
try {
  const ok = await httpbis.verifyMessage({ keyLookup, tolerance: 60 }, { method, url, headers });
  if (!ok) throw new Error('the signature does not verify');
  console.log(`verified ${usedAlg}`);
} catch (e) {
  console.log(`not verified: ${e.message}`);
  process.exit(1);
}
