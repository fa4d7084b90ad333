"""The kinds of notification, the mail each gets by default, and a reader's effective settings."""
from sqlalchemy import select

from app.notifications.models import NotificationSettings
from core.database import db

# kind -> default mail: answers on my threads and my accepted answers at once; the rest in a
# digest, or not mailed at all (votes: the bell is enough).
DEFAULT_EMAIL = {
    "answer": "immediate", "accepted": "immediate", "mention": "digest", "badge": "digest",
    "rank": "digest", "super_user": "digest", "watched": "digest", "case": "digest",
    "moderation": "digest", "flag": "digest", "vote": "off",
}
KINDS = tuple(DEFAULT_EMAIL)
MAIL_MODES = ("off", "immediate", "digest")
DIGEST_PERIODS = ("daily", "weekly")
DIGEST_SECONDS = {"daily": 24 * 3600, "weekly": 7 * 24 * 3600}
# What the settings page calls each kind.
LABELS = {
    "answer": "Answers on threads I watch (my questions)", "accepted": "My answer is accepted",
    "mention": "Someone @mentions me", "badge": "Badges I earn", "rank": "A new rank",
    "super_user": "Super-user status", "watched": "New threads in categories and tags I watch",
    "case": "Support cases on my threads", "moderation": "A moderator acts on my post",
    "flag": "A moderator resolves my flag", "vote": "Votes on my posts",
}


def settings_of(user_id: int) -> dict:
    """{"email": {kind: mode for every kind}, "digest": period}: the defaults with the reader's
    own choices over them."""
    row = db.session.get(NotificationSettings, user_id)
    return effective(row)


def effective(row: NotificationSettings | None) -> dict:
    chosen = dict(row.email or {}) if row is not None else {}
    email = {k: chosen.get(k, default) for k, default in DEFAULT_EMAIL.items()}
    return {"email": email, "digest": row.digest if row is not None else "daily"}


def settings_for(user_ids) -> dict[int, dict]:
    """Effective settings of many readers in one query."""
    ids = sorted(set(user_ids))
    rows = {r.user_id: r for r in db.session.scalars(
        select(NotificationSettings).where(NotificationSettings.user_id.in_(ids)))} if ids else {}
    return {uid: effective(rows.get(uid)) for uid in ids}


def _plural(count: int, one: str, many: str) -> str:
    return one if count == 1 else f"{count} {many}"


def describe(kind: str, count: int, data: dict) -> str:
    """The line shown in the bell and the mail subject (titles are plain text, escaped on render)."""
    title = f"“{data.get('title', '')}”"
    texts = {
        "answer": lambda: f"{_plural(count, 'A new answer', 'new answers')} on {title}",
        "accepted": lambda: f"Your answer on {title} was accepted",
        "mention": lambda: f"You were mentioned in {title}",
        "vote": lambda: f"{_plural(count, '1 vote', 'votes')} up on your "
                        f"{'question' if data.get('question') else 'answer'} in {title}",
        "badge": lambda: f"You earned the {data.get('badge')} badge",
        "rank": lambda: f"You reached the rank {data.get('rank')}",
        "super_user": lambda: "You were made a super-user",
        "watched": lambda: f"New question: {title}",
        "case": lambda: f"The support case on {title} is now {data.get('status')}",
        "moderation": lambda: f"A moderator {data.get('action')} your post in {title}",
        "flag": lambda: f"A moderator handled your flag in {title}"
                        + (f": {data['outcome']}" if data.get("outcome") else ""),
    }
    return texts.get(kind, lambda: kind)()[:300]


def path_for(kind: str, thread, post_id, user_id: int) -> str:
    """The link of a notification, as a path on the site (the web routes' shapes, written out:
    the consumer runs outside any request)."""
    if kind in ("badge", "rank", "super_user"):
        return f"/u/{user_id}"
    if thread is None:
        return "/notifications"
    anchor = f"#post-{post_id}" if post_id and kind not in ("watched", "case") else ""
    return f"/t/{thread.id}/{thread.slug}{anchor}"
