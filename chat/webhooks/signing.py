"""The signature on every delivery: ``Parley-Signature: t=<unix time>,v1=<hex>``,
where ``v1`` is HMAC-SHA256 with the endpoint's secret over ``"<t>." + body``.

Signing the time with the body lets a receiver refuse a replayed delivery: one
whose ``t`` is older than a few minutes is refused even though it is authentic
(docs/api.md has the receiver's side).
"""

import hashlib
import hmac
import time

HEADER = "Parley-Signature"


def signature(secret: str, body: bytes, timestamp: int) -> str:
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},v1={signature(secret, body, timestamp)}"
