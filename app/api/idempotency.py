"""Idempotency-Key on API POSTs: the first response to a key is kept for 24 hours and replayed
(core.once keeps the keys). A concurrent twin finds the claim and gets a 409 instead of creating
a second thing; a 4xx or an exception releases the claim for a retry."""
import hashlib
import json
from datetime import timedelta

from flask import Response, g, request

from core.once import First, Key, claim, hold
from core.errors import BadRequest, Conflict, ValidationFailed

HEADER = "Idempotency-Key"
SCOPE = "api"
# A claim whose request never finished (its process died) is given up after this long.
ABANDONED = timedelta(minutes=5)


def once(run, data: dict | None) -> Response:
    """`run()` unless this caller sent the key before: then the first response again."""
    value = request.headers.get(HEADER)
    if value is None:
        return run()
    if not (0 < len(value) <= 255 and value.isascii() and value.isprintable()):
        raise BadRequest(f"{HEADER} must be 1-255 printable ASCII characters.",
                         {HEADER: ["must be 1-255 printable ASCII characters"]})
    key, fingerprint = Key(SCOPE, _caller(), value), _fingerprint(data)
    first = claim(key, fingerprint, ABANDONED)
    if first is not None:
        return _replay(first, fingerprint)
    return hold(key, run, _kept)


def _caller() -> str:
    actor = g.actor
    return f"addr:{request.remote_addr}" if actor.is_anonymous_user else f"user:{actor.id}"


def _fingerprint(data: dict | None) -> str:
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(f"{request.method} {request.path}\n{canonical}".encode()).hexdigest()


def _kept(response: Response) -> First | None:
    """A success is kept for replay; a refusal (4xx) lets the caller retry with the key."""
    if response.status_code >= 400:
        return None
    return First(status=response.status_code, body=response.get_data(as_text=True) or None,
                 location=response.headers.get("Location"))


def _replay(first: First, fingerprint: str) -> Response:
    if first.request_hash is not None and first.request_hash != fingerprint:
        raise ValidationFailed({HEADER: ["was already used for a different request"]},
                               f"This {HEADER} was already used for a different request.")
    if not first.finished:
        raise Conflict(f"A request with this {HEADER} is still in progress; retry shortly.")
    response = Response(first.body or "", status=first.status,
                        mimetype="application/json" if first.body else None)
    if first.location:
        response.headers["Location"] = first.location
    response.headers["Idempotent-Replayed"] = "true"
    return response
