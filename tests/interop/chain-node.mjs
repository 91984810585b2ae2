// chain-node.mjs — a subtensor node's JSON-RPC, played from recorded and
// independently encoded answers, for tests/chain.test.  No substrate node
// is packaged for Debian or npm; this serves what one would answer:
//
//   capture        the real mainnet recording of subnet 1 at block 6852690
//                  (tests/vectors/subnet1-block6852690.json, from the
//                  bittensor SDK's own tests): its recorded bytes, all 74
//                  fields of get_selective_mechagraph, whatever is asked
//   capture-asked  the same chain answering only the fields asked, as the
//                  runtime does (re-encoded by scale-ts)
//   capture-old    the same chain on a runtime without the selective call:
//                  get_metagraph answers instead
//   uids256, empty, pending, dynamic (its schedule from CHAIN_BLOCK,
//                  CHAIN_LAST, CHAIN_TEMPO, CHAIN_INDEX and CHAIN_PENDING in
//                  the environment), and the failure scenarios below: encodings
//                  made here by scale-ts (an independent SCALE codec) for
//                  compact-integer boundaries, empty vectors, 256 uids and
//                  subtensor's dynamic epoch schedule
//
// Usage:
//   node chain-node.mjs serve SCENARIO VECTORS PORTFILE   (serves until killed;
//        prints each method served to stderr)
//   node chain-node.mjs expect SCENARIO VECTORS            (prints, decoded by
//        scale-ts, the neurons one per line by uid, then the anchor and
//        epoch schedule the gateway must record)
import http from 'node:http';
import fs from 'node:fs';
import { Struct, Vector, Option, compact, u8, u16, u32, u64, u128, i128, bool, Bytes, Tuple }
  from 'scale-ts';
import { xxhashAsU8a, encodeAddress } from '@polkadot/util-crypto';

const [mode, scenario, vectors, portFile] = process.argv.slice(2);

// ---- SCALE layouts, from subtensor's rpc_info/metagraph.rs and neuron_info.rs
const A = Bytes(32), C = compact, VC = Vector(compact), VB = Vector(bool), Text = Vector(compact);
const V8 = Bytes();
const SubnetIdentity = Struct({ subnet_name: V8, github_repo: V8, subnet_contact: V8,
  subnet_url: V8, discord: V8, description: V8, logo_url: V8, additional: V8 });
const ChainIdentity = Struct({ name: V8, url: V8, github_repo: V8, image: V8, discord: V8,
  description: V8, additional: V8 });
const Axon = Struct({ block: u64, version: u32, ip: u128, port: u16, ip_type: u8, protocol: u8,
  placeholder1: u8, placeholder2: u8 });
const Prometheus = Struct({ block: u64, version: u32, ip: u128, port: u16, ip_type: u8 });
const fields = [ // SelectiveMetagraphIndex 1..73
  ['name', Text], ['symbol', Text], ['identity', Option(SubnetIdentity)],
  ['network_registered_at', C], ['owner_hotkey', A], ['owner_coldkey', A],
  ['block', C], ['tempo', C], ['last_step', C], ['blocks_since_last_step', C],
  ['subnet_emission', C], ['alpha_in', C], ['alpha_out', C], ['tao_in', C],
  ['alpha_out_emission', C], ['alpha_in_emission', C], ['tao_in_emission', C],
  ['pending_alpha_emission', C], ['pending_root_emission', C], ['subnet_volume', C],
  ['moving_price', i128], ['rho', C], ['kappa', C], ['min_allowed_weights', C],
  ['max_weights_limit', C], ['weights_version', C], ['weights_rate_limit', C],
  ['activity_cutoff', C], ['max_validators', C], ['num_uids', C], ['max_uids', C], ['burn', C],
  ['difficulty', C], ['registration_allowed', bool], ['pow_registration_allowed', bool],
  ['immunity_period', C], ['min_difficulty', C], ['max_difficulty', C], ['min_burn', C],
  ['max_burn', C], ['adjustment_alpha', C], ['adjustment_interval', C],
  ['target_regs_per_interval', C], ['max_regs_per_block', C], ['serving_rate_limit', C],
  ['commit_reveal_weights_enabled', bool], ['commit_reveal_period', C],
  ['liquid_alpha_enabled', bool], ['alpha_high', C], ['alpha_low', C], ['bonds_moving_avg', C],
  ['hotkeys', Vector(A)], ['coldkeys', Vector(A)], ['identities', Vector(Option(ChainIdentity))],
  ['axons', Vector(Axon)], ['active', VB], ['validator_permit', VB], ['pruning_score', VC],
  ['last_update', VC], ['emission', VC], ['dividends', VC], ['incentives', VC], ['consensus', VC],
  ['trust', VC], ['rank', VC], ['block_at_registration', VC], ['alpha_stake', VC],
  ['tao_stake', VC], ['total_stake', VC], ['tao_dividends_per_hotkey', Vector(Tuple(A, C))],
  ['alpha_dividends_per_hotkey', Vector(Tuple(A, C))], ['validators', VC],
  ['commitments', Vector(Tuple(A, Text))],
];
const Selective = Option(Struct(Object.fromEntries(
  [['netuid', C], ...fields.map(([n, t]) => [n, Option(t)])])));
const Metagraph = Option(Struct(Object.fromEntries([['netuid', C], ...fields.slice(0, 71)])));
const NeuronLite = Struct({ hotkey: A, coldkey: A, uid: C, netuid: C, active: bool,
  axon_info: Axon, prometheus_info: Prometheus, stake: Vector(Tuple(A, C)), rank: C, emission: C,
  incentive: C, consensus: C, trust: C, validator_trust: C, dividends: C, last_update: C,
  validator_permit: bool, pruning_score: C });
const NeuronsLite = Vector(NeuronLite);
const Args = Struct({ netuid: u16, mecid: u8, indexes: Vector(u16) });

const hex = (b) => '0x' + Buffer.from(b).toString('hex');
const bytes = (h) => Uint8Array.from(Buffer.from(h.replace(/^0x/, ''), 'hex'));
const key = (pallet, item, netuid) => {
  const k = [...xxhashAsU8a(pallet, 128), ...xxhashAsU8a(item, 128)];
  if (netuid !== undefined) k.push(...u16.enc(netuid));
  return hex(k);
};

// ---- the chains
function capture() {
  const rec = JSON.parse(fs.readFileSync(vectors, 'utf8'));
  const find = (method, pred) => rec.exchanges.find((e) => e.method === method && pred(e.params));
  const header = find('chain_getHeader', (p) => p[0] !== null).result;
  const mg = Selective.dec(bytes(find('state_call', (p) => p[0].endsWith('get_selective_mechagraph')).result));
  const lite = find('state_call', (p) => p[0].endsWith('get_neurons_lite')).result;
  // The block's time: Aura's pre-runtime digest names the slot, and a
  // block of slot s is made in [s * 12 s, (s + 1) * 12 s): its start.
  const aura = header.digest.logs.map(bytes).find((l) => l[0] === 6 &&
    Buffer.from(l.slice(1, 5)).toString() === 'aura');
  const slot = u64.dec(aura.slice(6, 14));
  return {
    hash: find('chain_getHead', () => true).result, header,
    runtime: find('state_getRuntimeVersion', () => true).result,
    netuid: 1, mg, lite: NeuronsLite.dec(bytes(lite)), liteHex: lite,
    recordedSelective: find('state_call', (p) => p[0].endsWith('get_selective_mechagraph')),
    storage: { 'Timestamp.Now': u64.enc(slot * 12000n), Tempo: u16.enc(mg.tempo) },
  };
}

// n synthetic uids whose numbers sit on SCALE's compact boundaries.
const STAKES = [0n, 1n, 63n, 64n, 16383n, 16384n, 1073741823n, 1073741824n, 4294967296n,
  9007199254740993n, 1000000000000000000n];
const TRUSTS = [0, 1, 63, 64, 16383, 16384, 65535];
function synthetic(n, block, storage) {
  const key32 = (i, tag) => { const k = new Uint8Array(32); k[0] = tag; k[30] = i >> 8; k[31] = i & 255; return k; };
  const zeroAxon = { block: 0n, version: 0, ip: 0n, port: 0, ip_type: 0, protocol: 0, placeholder1: 0, placeholder2: 0 };
  const per = (f) => Array.from({ length: n }, (_, i) => f(i));
  const text = (s) => [...Buffer.from(s, 'utf8')];
  const mg = {
    netuid: 7, name: text('Ωmega leads'), symbol: text('λ'), identity: undefined,
    network_registered_at: 10, owner_hotkey: key32(0, 0xee), owner_coldkey: key32(0, 0xef),
    block, tempo: 360, last_step: block - 5, blocks_since_last_step: 5, subnet_emission: 0,
    alpha_in: 2n ** 40n, alpha_out: 2n ** 50n, tao_in: 2n ** 33n, alpha_out_emission: 0,
    alpha_in_emission: 0, tao_in_emission: 0, pending_alpha_emission: 0, pending_root_emission: 0,
    subnet_volume: 2n ** 100n, moving_price: -(2n ** 90n), rho: 10, kappa: 32767,
    min_allowed_weights: 1, max_weights_limit: 65535, weights_version: 0, weights_rate_limit: 100,
    activity_cutoff: 5000, max_validators: 64, num_uids: n, max_uids: 256, burn: 1000000000n,
    difficulty: 2n ** 63n, registration_allowed: true, pow_registration_allowed: false,
    immunity_period: 5000, min_difficulty: 0, max_difficulty: 2n ** 64n - 1n, min_burn: 0,
    max_burn: 100000000000n, adjustment_alpha: 0, adjustment_interval: 112,
    target_regs_per_interval: 2, max_regs_per_block: 1, serving_rate_limit: 50,
    commit_reveal_weights_enabled: true, commit_reveal_period: 1, liquid_alpha_enabled: false,
    alpha_high: 58982, alpha_low: 45875, bonds_moving_avg: 900000,
    hotkeys: per((i) => key32(i, 0xaa)), coldkeys: per((i) => key32(i, 0xcc)),
    identities: per((i) => (i % 5 === 0 ? { name: text('v' + i), url: [], github_repo: [], image: [],
      discord: [], description: text('é'.repeat(i % 70)), additional: [] } : undefined)),
    axons: per(() => zeroAxon), active: per((i) => i % 3 !== 0), validator_permit: per((i) => i % 4 === 1),
    pruning_score: [], last_update: per((i) => block - i), emission: per((i) => BigInt(i) * 1000n),
    dividends: per(() => 0), incentives: per((i) => i * 255), consensus: per(() => 0), trust: [],
    rank: [], block_at_registration: per((i) => i), alpha_stake: per((i) => STAKES[i % STAKES.length]),
    tao_stake: per(() => 0), total_stake: per((i) => STAKES[i % STAKES.length]),
    tao_dividends_per_hotkey: [], alpha_dividends_per_hotkey: per((i) => [key32(i, 0xaa), 1]),
    validators: per((i) => i).filter((i) => i % 4 === 1), commitments: [[key32(1, 0xaa), text('x')]],
  };
  const lite = per((i) => ({ hotkey: mg.hotkeys[i], coldkey: mg.coldkeys[i], uid: i, netuid: 7,
    active: mg.active[i], axon_info: zeroAxon, prometheus_info: { block: 0n, version: 0, ip: 0n, port: 0, ip_type: 0 },
    stake: [[mg.coldkeys[i], mg.alpha_stake[i]]], rank: 0, emission: mg.emission[i], incentive: 0,
    consensus: 0, trust: 0, validator_trust: TRUSTS[i % TRUSTS.length], dividends: 0,
    last_update: mg.last_update[i], validator_permit: mg.validator_permit[i], pruning_score: 65535 }));
  const hash = hex(Uint8Array.from({ length: 32 }, (_, i) => (block + i) & 255));
  return {
    hash, header: { parentHash: hex(new Uint8Array(32)), number: '0x' + block.toString(16),
      stateRoot: hash, extrinsicsRoot: hash, digest: { logs: [] } },
    runtime: { specName: 'node-subtensor', specVersion: 425 }, netuid: 7, mg, lite,
    liteHex: hex(NeuronsLite.enc(lite)), storage,
  };
}

const SCHEDULE = (block) => ({ 'Timestamp.Now': u64.enc(1780000000000n + BigInt(block) * 12000n),
  Tempo: u16.enc(360), LastEpochBlock: u64.enc(BigInt(block - 5)), PendingEpochAt: u64.enc(0n),
  SubnetEpochIndex: u64.enc(42n) });
function chain(name) {
  switch (name) {
    case 'capture': case 'capture-asked': case 'capture-old': case 'capture-truncated':
    case 'capture-no-time':
      return capture();
    case 'uids256': case 'noncanonical': case 'neurons-error': case 'stake-over':
      return synthetic(name === 'uids256' ? 256 : 1, 7000000, SCHEDULE(7000000));
    case 'empty': return synthetic(0, 7000100, SCHEDULE(7000100));
    case 'pending': {
      const s = SCHEDULE(7000200);
      s.PendingEpochAt = u64.enc(7000210n);
      return synthetic(3, 7000200, s);
    }
    case 'stale': return synthetic(3, 6900000, SCHEDULE(6900000));
    case 'dynamic': {  // CHAIN_BLOCK, CHAIN_LAST, CHAIN_TEMPO, CHAIN_INDEX, CHAIN_PENDING
      const env = (k) => BigInt(process.env['CHAIN_' + k] || 0);
      const block = Number(env('BLOCK'));
      const s = SCHEDULE(block);
      Object.assign(s, { Tempo: u16.enc(Number(env('TEMPO'))), LastEpochBlock: u64.enc(env('LAST')),
        SubnetEpochIndex: u64.enc(env('INDEX')), PendingEpochAt: u64.enc(env('PENDING')) });
      return synthetic(3, block, s);
    }
    case 'no-subnet': return synthetic(1, 7000300, SCHEDULE(7000300));
  }
  throw new Error('unknown scenario ' + name);
}

// ---- what the runtime answers
const refuse = (message) => ({ error: { code: 4003, message } });
function selectiveAnswer(c, args) {
  const { netuid, indexes } = Args.dec(args);
  if (scenario === 'capture-old')
    return refuse('Client error: Execution failed: Other: Exported method ' +
      'SubnetInfoRuntimeApi_get_selective_mechagraph is not found');
  if (scenario === 'no-subnet' || netuid !== c.netuid) return { result: '0x00' };
  // capture: the very bytes recorded (all 74 fields, a superset of any
  // request); capture-asked: only the fields asked, as the runtime answers
  let answer;
  if (c.recordedSelective && scenario !== 'capture-asked') {
    answer = c.recordedSelective.result;
  } else {
    const value = { netuid: c.mg.netuid };
    fields.forEach(([f], i) => { value[f] = indexes.includes(i + 1) ? c.mg[f] : undefined; });
    answer = hex(Selective.enc(value));
  }
  if (scenario === 'capture-truncated') answer = answer.slice(0, -2);
  // uid 0's stake, 0, is the last byte before the four fields not asked
  const stake = { noncanonical: '0100', // 0 in two bytes: not its shortest form
    'stake-over': hex(C.enc(1000000000000000001n)).slice(2) }[scenario]; // 10^18 + 1 rao
  if (stake) {
    if (!answer.endsWith('010400' + '00000000')) throw new Error('unexpected layout');
    answer = answer.slice(0, -10) + stake + '00000000';
  }
  return { result: answer };
}
function metagraphAnswer(c, args) {
  const netuid = u16.dec(args.slice(0, 2));
  if (netuid !== c.netuid) return { result: '0x00' };
  return { result: hex(Metagraph.enc(c.mg)) };
}
function stateCall(c, [fn, data, at]) {
  if (at !== c.hash) return refuse('unknown block ' + at);
  const args = bytes(data);
  if (fn === 'SubnetInfoRuntimeApi_get_selective_mechagraph') return selectiveAnswer(c, args);
  if (fn === 'SubnetInfoRuntimeApi_get_metagraph') return metagraphAnswer(c, args);
  if (fn === 'NeuronInfoRuntimeApi_get_neurons_lite') {
    if (scenario === 'neurons-error') return { error: { code: -32603, message: 'Internal error' } };
    return { result: u16.dec(args) === c.netuid ? c.liteHex : '0x00' };
  }
  return refuse('Exported method ' + fn + ' is not found');
}
function storageValue(c, [k, at]) {
  if (at !== c.hash) return refuse('unknown block ' + at);
  const items = { 'Timestamp.Now': key('Timestamp', 'Now') };
  for (const item of ['Tempo', 'LastEpochBlock', 'PendingEpochAt', 'SubnetEpochIndex'])
    items[item] = key('SubtensorModule', item, c.netuid);
  const name = Object.keys(items).find((n) => items[n] === k);
  if (name === 'Timestamp.Now' && scenario === 'capture-no-time') return { result: null };
  const v = name && c.storage[name];
  return { result: v ? hex(v) : null };
}
function answer(c, method, params) {
  switch (method) {
    case 'chain_getFinalizedHead': return { result: c.hash };
    case 'chain_getHeader': return params[0] === c.hash ? { result: c.header } : { result: null };
    case 'state_getRuntimeVersion': return { result: c.runtime };
    case 'state_getStorage': return storageValue(c, params);
    case 'state_call': return stateCall(c, params);
  }
  return { error: { code: -32601, message: 'Method not found' } };
}

function serve(c) {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      let out;
      try {
        const r = JSON.parse(body);
        process.stderr.write(`served ${r.method} ${r.method === 'state_call' ? r.params[0] : ''}\n`);
        out = { jsonrpc: '2.0', id: r.id, ...answer(c, r.method, r.params || []) };
      } catch (e) {
        out = { jsonrpc: '2.0', id: null, error: { code: -32700, message: String(e) } };
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(out));
    });
  });
  server.listen(0, '127.0.0.1', () => fs.writeFileSync(portFile, String(server.address().port)));
}

// The schedule as subtensor computes it: from LastEpochBlock when the
// runtime has it, else blocks_until_next_epoch's grid, the epoch index
// as the dynamic-tempo migration seeded it.
function schedule(c) {
  const block = BigInt(parseInt(c.header.number, 16)), netuid = BigInt(c.netuid);
  const tempo = BigInt(u16.dec(c.storage.Tempo));
  if (c.storage.LastEpochBlock) {
    const last = u64.dec(c.storage.LastEpochBlock), pending = u64.dec(c.storage.PendingEpochAt);
    let next = last + tempo;
    if (pending > 0n && pending < next) next = pending;
    return { epoch_schedule: 'dynamic', tempo: Number(tempo), epoch_index: Number(u64.dec(c.storage.SubnetEpochIndex)),
      epoch_start: Number(last), next_epoch_start: Number(next) };
  }
  const until = tempo - ((block + netuid + 1n) % (tempo + 1n));
  const next = until === 0n ? block + tempo + 1n : block + until;
  return { epoch_schedule: 'legacy', tempo: Number(tempo),
    epoch_index: Number((block + netuid + 1n + (until === 0n ? 1n : 0n)) / (tempo + 1n)),
    epoch_start: Number(next - tempo - 1n), next_epoch_start: Number(next) };
}

function expect(c) {
  const trust = new Map(c.lite.map((n) => [Number(n.uid), Number(n.validator_trust)]));
  c.mg.hotkeys.forEach((hk, uid) => console.log(JSON.stringify({ uid,
    hotkey: encodeAddress(hk, 42), stake_rao: String(c.mg.total_stake[uid]),
    validator_trust_u16: trust.get(uid), validator_permit: c.mg.validator_permit[uid],
    active: c.mg.active[uid] })));
  const block = parseInt(c.header.number, 16);
  console.log(JSON.stringify({ block, block_time: Number(u64.dec(c.storage['Timestamp.Now']) / 1000n),
    block_hash: c.hash, spec_version: c.runtime.specVersion, netuid: c.netuid, ...schedule(c) }));
}

const c = chain(scenario);
if (mode === 'serve') serve(c);
else if (mode === 'expect') expect(c);
else { console.error('usage: chain-node.mjs serve|expect SCENARIO VECTORS [PORTFILE]'); process.exit(2); }
