"""What a webhook receiver does with AthSys's notifications: check the signature (HMAC-SHA256 of
``timestamp.body`` with the subscription's secret, as ``X-AthSys-Signature: sha256=<hex>``)
and refuse a timestamp more than five minutes away (a replayed request). Written here, apart
from the signing code, so the tests check the signatures as a receiver would."""

from __future__ import annotations

import hashlib
import hmac
import time

REPLAY_TOLERANCE_S = 300


def verify_signature(secret: str, timestamp: str, body: bytes, signature: str, *,
                     now: float | None = None, tolerance_s: int = REPLAY_TOLERANCE_S) -> bool:
    try:
        sent_at = int(timestamp)
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - sent_at) > tolerance_s:
        return False
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return hmac.compare_digest("sha256=" + mac.hexdigest(), signature)
