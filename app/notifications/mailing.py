"""Notification mail: one message at once for an immediate kind, or one digest per reader per
period, each with RFC 8058 one-click unsubscribe (a signed link that turns that kind off).

Mail goes only to a confirmed address of a reader who is not suspended. A digest claims its
items (mail_state "digest" -> "sent") in the transaction that decides to send them, so no item
is ever mailed twice; a failed delivery hands them back to the next digest."""
import logging

from flask import current_app, render_template
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select, update

from app import mail
from app.notifications import kinds
from app.notifications.models import Notification
from community.models import User
from core.database import db
from core.transactions import transactional

log = logging.getLogger("commonplace.notifications")
DIGEST = "digest"  # the unsubscribe "kind" of a digest: every kind it collects
MAX_DIGEST_ITEMS = 100


def mailable(user: User) -> bool:
    return user.email_confirmed_at is not None and not user.is_suspended


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="notifications.unsubscribe")


def unsubscribe_token(user_id: int, kind: str) -> str:
    return _signer().dumps([user_id, kind])


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    """(user id, kind) the link was made for, or None when it is not one of ours."""
    try:
        user_id, kind = _signer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(user_id, int) or kind not in (*kinds.KINDS, DIGEST):
        return None
    return user_id, kind


def _send(user: User, kind: str, subject: str, template: str, **context) -> bool:
    url = mail.absolute(f"/notifications/unsubscribe/{unsubscribe_token(user.id, kind)}")
    body = render_template(f"notifications/mail/{template}.txt", user=user, link=mail.absolute,
                           unsubscribe_url=url, settings_url=mail.absolute("/settings/notifications"),
                           **context)
    headers = {"List-Unsubscribe": f"<{url}>",
               "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    return mail.send(user.email, subject, body, headers)


def send_immediate(ids: list[int]) -> int:
    """Mail the notifications the consumer marked "sent" at once; a failure leaves them to the
    digest. Returns how many were delivered."""
    if not ids:
        return 0
    rows = db.session.execute(select(Notification, User).join(User, User.id == Notification.user_id)
                              .where(Notification.id.in_(ids))).all()
    failed, sent = [], 0
    for row, user in rows:
        if mailable(user) and _send(user, row.kind, row.text, "immediate", item=row):
            sent += 1
        else:
            failed.append(row.id)
    db.session.rollback()
    if failed:
        _hand_back(failed)
    return sent


@transactional
def _hand_back(ids: list[int]) -> None:
    db.session.execute(update(Notification).where(Notification.id.in_(ids))
                       .values(mail_state="digest"))


def pending_readers(period: str) -> list[int]:
    """Readers with digest items waiting whose digest period is `period`."""
    ids = db.session.scalars(select(Notification.user_id).where(Notification.mail_state == DIGEST)
                             .distinct()).all()
    settings = kinds.settings_for(ids)
    return [uid for uid in sorted(ids) if settings[uid]["digest"] == period]


@transactional
def _claim(user_id: int) -> tuple[User, list[Notification]] | None:
    """Decide and mark in one transaction: the reader's waiting items become "sent"."""
    user = db.session.get(User, user_id)
    if user is None or not mailable(user):
        return None
    rows = db.session.scalars(select(Notification).where(
        Notification.user_id == user_id, Notification.mail_state == DIGEST)
        .order_by(Notification.updated_at.desc(), Notification.id.desc())
        .limit(MAX_DIGEST_ITEMS).with_for_update()).all()
    for row in rows:
        row.mail_state = "sent"
    return (user, rows) if rows else None


def send_digests(period: str) -> int:
    """One mail per reader with what waits for their `period` digest; returns mails sent."""
    sent = 0
    for user_id in pending_readers(period):
        claimed = _claim(user_id)
        if claimed is None:
            continue
        user, rows = claimed
        subject = f"Your {period} Commonplace digest: {len(rows)} new"
        if _send(user, DIGEST, subject, "digest", items=rows, period=period):
            sent += 1
        else:
            _hand_back([r.id for r in rows])
    return sent
