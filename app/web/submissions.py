"""One-time submission tokens for create forms: a double tap, Back-and-resubmit or a replayed
form creates one thing; the repeats are sent to what the first submission made (core.once
keeps the tokens, 24 hours)."""
import re
import secrets
from datetime import timedelta

from core.errors import BadRequest, Conflict
from core.once import First, Key, claim, hold, wait

FIELD = "submission_token"
SCOPE = "form"
# A claim with no result after this long belongs to a request that died: let the user retry.
ABANDONED = timedelta(minutes=10)
WAIT_SECONDS = 5.0  # how long a repeat waits for the first submission to finish
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


class SubmissionPending(Conflict):
    """The same form is still being processed by an earlier request."""

    def __init__(self):
        message = ("This form was already sent and is still being processed. Wait a moment, "
                   "then send it again: it will not be posted twice.")
        super().__init__(message, {"form": [message]})


def new_token() -> str:
    return secrets.token_urlsafe(24)


def form_token(form) -> str:
    """The token to print in a re-rendered form: the one it came with, so a repeat stays a repeat."""
    token = form.get(FIELD, "")
    return token if _TOKEN.match(token) else new_token()


def submit_once(actor, token: str | None, create) -> tuple[str, bool]:
    """Run `create()` (which returns the URL of what it made) at most once per user and token.

    Returns (url, True) the first time and (url of the first result, False) for a repeat. A form
    without a token (an old page, a script) is simply created.
    """
    if not token:
        return create(), True
    if not isinstance(token, str) or not _TOKEN.match(token):
        raise BadRequest("The form's submission token is not valid; reload the page and try again.")
    key = Key(SCOPE, f"user:{actor.id}", token)
    for _attempt in range(2):
        first = claim(key, abandoned=ABANDONED)
        if first is None:
            break
        first = first if first.finished else wait(key, WAIT_SECONDS)
        if first is not None and first.finished:
            return first.location, False
        if first is not None:  # still being processed by the other request
            raise SubmissionPending()
        # The earlier attempt failed and let go of the token: claim it again.
    else:
        raise SubmissionPending()
    # A failed create frees the token: the user fixes the form and sends it again.
    return hold(key, create, lambda url: First(status=302, location=url)), True
