"""The design leadgate replaces, as bench/run.sh's baseline (SPEC §12).

A FastAPI app under uvicorn that serves an epoch's leads from an
in-process dict and checks the same RFC 9421 request signature with
PyNaCl: created within the clock skew, the nonce not seen before (an
in-process dict too), the keyid a known validator, and the ed25519
signature over the same signature base leadgate builds.  Everything from
Debian's packages (python3-fastapi, python3-uvicorn, python3-nacl).

Environment: LEADGATE_BENCH_BODY (the body file), LEADGATE_BENCH_EPOCH,
LEADGATE_BENCH_VALIDATORS (comma-separated SS58 addresses).
"""
import base64
import hashlib
import os
import re
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


@app.get("/v1/epoch/{epoch}/leads")
async def epoch_leads(epoch: int, request: Request):
    match = INPUT.match(request.headers.get("signature-input", ""))
    signature = request.headers.get("signature", "")
    if not match or not signature.startswith(match.group(1) + "=:"):
        return problem(401, "bad_signature")
    params = {m.group(1): m.group(3) if m.group(3) is not None else int(m.group(4))
              for m in PARAM.finditer(match.group(4))}
    now = int(time.time())
    keyid, nonce = params.get("keyid"), params.get("nonce")
    if not isinstance(params.get("created"), int) or abs(params["created"] - now) > CLOCK_SKEW:
        return problem(401, "stale_signature")
    if keyid not in VALIDATORS:
        return problem(403, "not_validator")
    if (keyid, nonce) in SEEN:
        return problem(401, "replayed_nonce")
    base = signature_base(request, match.group(3), match.group(2))
    try:
        raw = base64.b64decode(signature[len(match.group(1)) + 2:-1])
        VALIDATORS[keyid].verify(base, raw)
    except (BadSignatureError, ValueError, TypeError):
        return problem(401, "bad_signature")
    SEEN[(keyid, nonce)] = params["created"] + CLOCK_SKEW
    body = CACHE.get(epoch)
    if body is None:
        return problem(503, "epoch_not_assigned")
    return Response(content=body, media_type="application/json",
                    headers={"ETag": ETAG, "Cache-Control": "private, no-store"})
