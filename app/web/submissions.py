"""One-time submission tokens for create forms: a double tap, Back-and-resubmit or a replayed
form creates one thing; the repeats are sent to what the first submission made."""
import re
import secrets
import time
from datetime import timedelta

from sqlalchemy import (ForeignKey, Integer, String, UniqueConstraint, and_, delete, or_, select,
                        update)
from sqlalchemy.orm import Mapped, mapped_column

from core.database import db
from core.errors import BadRequest, Conflict
from core.time import UTCDateTime, utcnow
from core.transactions import conflict_on, transactional

FIELD = "submission_token"
LIFETIME = timedelta(hours=24)
# A claim with no result after this long belongs to a request that died: let the user retry.
ABANDONED = timedelta(minutes=10)
WAIT_SECONDS = 5.0  # how long a repeat waits for the first submission to finish
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


class FormSubmission(db.Model):
    """A token a user's form was posted with; `result_url` is set once the thing exists."""

    __tablename__ = "form_submissions"
    __table_args__ = (UniqueConstraint("user_id", "token", name="uq_form_submissions_user_token"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token: Mapped[str] = mapped_column(String(64))
    result_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at = mapped_column(UTCDateTime, default=utcnow, index=True)


# A second claim of the same token is a conflict the claimer expects (see submit_once).
conflict_on("uq_form_submissions_user_token", "form", "was already sent")


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
    user_id = actor.id
    for _attempt in range(2):
        try:
            _claim(user_id, token)
            break
        except Conflict:
            found, url = _wait_for(user_id, token)
            if url:
                return url, False
            if found:  # still being processed by the other request
                raise SubmissionPending() from None
            # The earlier attempt failed and let go of the token: claim it again.
    else:
        raise SubmissionPending()
    try:
        url = create()
    except BaseException:
        _release(user_id, token)  # a failed create frees the token: the user fixes the form
        raise
    _record(user_id, token, url)
    return url, True


@transactional
def _claim(user_id: int, token: str) -> None:
    """Insert the claim in its own short transaction; a repeat hits the unique constraint.
    Claims past their lifetime (anyone's) are cleared first, so the table stays a day's worth."""
    now = utcnow()
    db.session.execute(delete(FormSubmission).where(or_(
        FormSubmission.created_at < now - LIFETIME,
        and_(FormSubmission.result_url.is_(None), FormSubmission.created_at < now - ABANDONED))))
    db.session.add(FormSubmission(user_id=user_id, token=token, created_at=now))
    db.session.flush()


@transactional
def _release(user_id: int, token: str) -> None:
    db.session.execute(delete(FormSubmission).where(
        FormSubmission.user_id == user_id, FormSubmission.token == token,
        FormSubmission.result_url.is_(None)))


@transactional
def _record(user_id: int, token: str, url: str) -> None:
    db.session.execute(update(FormSubmission).where(
        FormSubmission.user_id == user_id, FormSubmission.token == token).values(result_url=url))


def _wait_for(user_id: int, token: str) -> tuple[bool, str | None]:
    """(claim exists, its result URL) once the first request has finished, or when time is up."""
    deadline, pause = time.monotonic() + WAIT_SECONDS, 0.02
    query = select(FormSubmission.result_url).where(FormSubmission.user_id == user_id,
                                                    FormSubmission.token == token)
    while True:
        row = db.session.execute(query).first()
        db.session.rollback()  # end the read so the next look sees the other request's commit
        if row is None or row.result_url or time.monotonic() >= deadline:
            return row is not None, row.result_url if row else None
        time.sleep(pause)
        pause = min(pause * 2, 0.25)
