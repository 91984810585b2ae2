"""The design leadgate replaces, as bench/run.sh's baseline (SPEC §12).

A FastAPI app under uvicorn that serves an epoch's leads from an
in-process dict and checks the same RFC 9421 request signature with
PyNaCl: created within the clock skew, the nonce not seen before (an
in-process dict too), the keyid a known validator, and the ed25519
signature over the same signature base leadgate builds.  Everything from
Debian's packages (python3-fastapi, python3-uvicorn, python3-nacl).

Its write path, for bench/run.sh's writes: POST /v1/leads by a known miner,
signed the same way with a Content-Digest, each lead checked for its
required fields and inserted with a log row into a SQLite file
(journal_mode=WAL, synchronous=FULL: durable at the answer, as leadgate's
store is), one transaction per request, a repeated email refused.

Environment: LEADGATE_BENCH_BODY (the body file), LEADGATE_BENCH_EPOCH,
LEADGATE_BENCH_VALIDATORS and LEADGATE_BENCH_MINERS (comma-separated SS58
addresses), LEADGATE_BENCH_DB (the SQLite file).
"""
import base64
import hashlib
import json
import os
import re
import sqlite3
import time

from fastapi import FastAPI, Request, Response
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

CLOCK_SKEW = 600
B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

BODY = open(os.environ["LEADGATE_BENCH_BODY"], "rb").read()
CACHE = {int(os.environ["LEADGATE_BENCH_EPOCH"]): BODY}
ETAG = '"%s"' % hashlib.sha256(BODY).hexdigest()[:16]
SEEN = {}  # (keyid, nonce) -> expiry


def ss58_public_key(address):
    """The 32-byte key of a prefix-42 SS58 address, checksum checked."""
    n = 0
    for c in address:
        n = n * 58 + B58.index(c)
    raw = n.to_bytes(35, "big")
    check = hashlib.blake2b(b"SS58PRE" + raw[:33], digest_size=64).digest()[:2]
    if raw[0] != 42 or check != raw[33:]:
        raise ValueError("bad address")
    return raw[1:33]


VALIDATORS = {a: VerifyKey(ss58_public_key(a))
              for a in os.environ["LEADGATE_BENCH_VALIDATORS"].split(",")}
MINERS = {a: VerifyKey(ss58_public_key(a))
          for a in os.environ.get("LEADGATE_BENCH_MINERS", "").split(",") if a}
REQUIRED = ("business", "full_name", "email", "role", "website", "industry", "country",
            "linkedin", "source_url", "wallet_ss58")


def database():
    db = sqlite3.connect(os.environ["LEADGATE_BENCH_DB"], isolation_level=None, timeout=30)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE IF NOT EXISTS leads (id INTEGER PRIMARY KEY, miner TEXT,"
               " email TEXT UNIQUE, body TEXT, created INTEGER)")
    db.execute("CREATE TABLE IF NOT EXISTS log (seq INTEGER PRIMARY KEY, type TEXT,"
               " payload TEXT, created INTEGER)")
    return db


DB = database() if os.environ.get("LEADGATE_BENCH_DB") else None
INPUT = re.compile(r'^([a-z0-9_.*-]+)=(\(([^)]*)\)(.*))$')
PARAM = re.compile(r';([a-z]+)=("([^"]*)"|(-?\d+))')

app = FastAPI()


def problem(status, code):
    return Response(status_code=status, media_type="application/problem+json",
                    content='{"type":"urn:leadgate:problem:%s","status":%d}' % (code, status))


def signature_base(request, components, params):
    lines = []
    for name in re.findall(r'"([^"]+)"', components):
        if name == "@method":
            value = request.method
        elif name == "@authority":
            value = request.headers.get("host", "").lower()
        elif name == "@path":
            value = request.url.path
        elif name == "@query":
            value = "?" + request.url.query
        else:
            value = request.headers.get(name)
            if value is None:
                return None
        lines.append('"%s": %s' % (name, value.strip()))
    lines.append('"@signature-params": ' + params)
    return "\n".join(lines).encode()


def verify(request, keys):
    """The signer's address, or a problem response."""
    match = INPUT.match(request.headers.get("signature-input", ""))
    signature = request.headers.get("signature", "")
    if not match or not signature.startswith(match.group(1) + "=:"):
        return None, problem(401, "bad_signature")
    params = {m.group(1): m.group(3) if m.group(3) is not None else int(m.group(4))
              for m in PARAM.finditer(match.group(4))}
    now = int(time.time())
    keyid, nonce = params.get("keyid"), params.get("nonce")
    if not isinstance(params.get("created"), int) or abs(params["created"] - now) > CLOCK_SKEW:
        return None, problem(401, "stale_signature")
    if keyid not in keys:
        return None, problem(403, "not_registered")
    if (keyid, nonce) in SEEN:
        return None, problem(401, "replayed_nonce")
    base = signature_base(request, match.group(3), match.group(2))
    try:
        raw = base64.b64decode(signature[len(match.group(1)) + 2:-1])
        keys[keyid].verify(base, raw)
    except (BadSignatureError, ValueError, TypeError):
        return None, problem(401, "bad_signature")
    SEEN[(keyid, nonce)] = params["created"] + CLOCK_SKEW
    return keyid, None


@app.post("/v1/leads")
async def submit_leads(request: Request):
    body = await request.body()
    digest = "sha-256=:%s:" % base64.b64encode(hashlib.sha256(body).digest()).decode()
    if request.headers.get("content-digest") != digest:
        return problem(400, "bad_digest")
    miner, refusal = verify(request, MINERS)
    if refusal:
        return refusal
    try:
        leads = json.loads(body)["leads"]
        if not isinstance(leads, list) or not 1 <= len(leads) <= 100:
            raise ValueError
        for lead in leads:
            if any(not isinstance(lead.get(f), str) or not lead[f] for f in REQUIRED):
                raise ValueError
    except (ValueError, KeyError, TypeError, AttributeError):
        return problem(422, "invalid_lead")
    now = int(time.time())
    try:
        DB.execute("BEGIN IMMEDIATE")
        ids = []
        for lead in leads:
            text = json.dumps(lead, sort_keys=True, separators=(",", ":"))
            ids.append(DB.execute("INSERT INTO leads (miner, email, body, created)"
                                  " VALUES (?, ?, ?, ?)",
                                  (miner, lead["email"], text, now)).lastrowid)
            DB.execute("INSERT INTO log (type, payload, created) VALUES (?, ?, ?)",
                       ("LEAD_SUBMITTED", text, now))
        DB.execute("COMMIT")
    except sqlite3.IntegrityError:
        DB.execute("ROLLBACK")
        return problem(409, "duplicate_lead")
    return Response(content=json.dumps({"accepted": ids}), media_type="application/json")


@app.get("/v1/epoch/{epoch}/leads")
async def epoch_leads(epoch: int, request: Request):
    _, refusal = verify(request, VALIDATORS)
    if refusal:
        return refusal
    body = CACHE.get(epoch)
    if body is None:
        return problem(503, "epoch_not_assigned")
    return Response(content=body, media_type="application/json",
                    headers={"ETag": ETAG, "Cache-Control": "private, no-store"})
