"""Standard Webhooks signatures (both directions): `webhook-signature: v1,<base64 HMAC-SHA256 of
"{id}.{timestamp}.{raw body}">`. Written by hand (a dozen lines) rather than with the
`standardwebhooks` package, which would bring httpx, attrs and dateutil for one HMAC."""
import base64
import hashlib
import hmac
import time


def signing_key(secret: str) -> bytes:
    """A `whsec_` secret is base64 after the prefix (as Standard Webhooks does); else UTF-8."""
    if secret.startswith("whsec_"):
        return base64.b64decode(secret.removeprefix("whsec_"))
    return secret.encode()


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(signing_key(secret), f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256)
    return "v1," + base64.b64encode(mac.digest()).decode()


def headers(secret: str, msg_id: str, body: bytes, timestamp: int | None = None) -> dict:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {"webhook-id": msg_id, "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(secret, msg_id, timestamp, body)}


def verify(secret: str, msg_id: str, timestamp: str, signatures: str, body: bytes,
           tolerance: int = 300) -> bool:
    """True when one of the space-separated `v1,` signatures matches and the timestamp is
    within `tolerance` seconds of now (a replayed old message fails)."""
    if not (msg_id and timestamp and timestamp.isdigit() and len(timestamp) <= 12):
        return False
    if abs(time.time() - int(timestamp)) > tolerance:
        return False
    expected = sign(secret, msg_id, int(timestamp), body)
    return any(hmac.compare_digest(expected, given) for given in signatures.split(" ") if given)
