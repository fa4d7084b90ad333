"""What a new post passes through before it is written: watched words (block, hold, replace),
the new-member limits (links per post, posts per day) and HOLD_FIRST_POSTS.

Watched words are matched on whole words, case-insensitively, in linear time: the text is cut
into words once and each word is looked up in a dict (never one scan of the body per word)."""
import re
from datetime import timedelta

from sqlalchemy import func, select

from community.models import Post, WatchedWord, utcnow
from community.settings import setting
from core.database import db
from core.errors import TooMany

_WORD = re.compile(r"\w+")
# Links a reader can follow: Markdown links and autolinks, and bare addresses (linkify).
_LINK = re.compile(r"https?://|www\.", re.IGNORECASE)


def watched() -> dict[str, tuple[str, str | None]]:
    """word (case-folded) → (action, replacement), one query."""
    return {w: (a, r) for w, a, r in db.session.execute(
        select(WatchedWord.word, WatchedWord.action, WatchedWord.replacement))}


def screen(errors, fields: dict[str, str], tags: list[str] | None = None):
    """(fields with replacements made, tags, True when a `hold` word was found); a `block`
    word is an error on its field, naming the word."""
    words = watched()
    if not words:
        return fields, tags, False
    held = False

    def check(field: str, text: str) -> str:
        nonlocal held
        blocked = []

        def swap(match: re.Match) -> str:
            nonlocal held
            found = words.get(match.group().casefold())
            if found is None:
                return match.group()
            action, replacement = found
            if action == "block":
                blocked.append(match.group())
            held = held or action == "hold"
            return replacement or "" if action == "replace" else match.group()

        out = _WORD.sub(swap, text)
        if blocked:
            errors.add(field, f"contains the blocked word '{blocked[0]}'")
        return out

    fields = {name: check(name, text) for name, text in fields.items()}
    if tags:
        tags = [t for t in (check("tags", tag) for tag in tags) if t]
    return fields, tags, held


def check_new_member(errors, actor, body: str) -> None:
    """Below NEW_MEMBER_REPUTATION: at most NEW_MEMBER_MAX_LINKS links in a post (422) and
    NEW_MEMBER_POSTS_PER_DAY posts a UTC day (429). Staff are never limited."""
    if actor.is_anonymous_user or actor.is_staff or \
            actor.reputation >= setting("NEW_MEMBER_REPUTATION"):
        return
    most = setting("NEW_MEMBER_MAX_LINKS")
    if most and len(_LINK.findall(body)) > most:
        errors.add("body", f"new members may include at most {most} link"
                           f"{'' if most == 1 else 's'} in a post")
    per_day = setting("NEW_MEMBER_POSTS_PER_DAY")
    if per_day:
        now = utcnow()
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        today = db.session.scalar(select(func.count(Post.id)).where(
            Post.author_id == actor.id, Post.created_at >= midnight))
        if today >= per_day:
            wait = int((midnight + timedelta(days=1) - now).total_seconds()) + 1
            raise TooMany(f"New members may write {per_day} posts a day; you can post again "
                          f"after midnight UTC.", retry_after=wait)


def hold_reason(actor, watched_word: bool) -> str | None:
    """Why a new post by `actor` waits for a moderator: "watched", "held" (one of their first
    HOLD_FIRST_POSTS posts: none of theirs approved or shown yet beyond that), or None."""
    if actor.is_staff:
        return None
    if watched_word:
        return "watched"
    first = setting("HOLD_FIRST_POSTS")
    if not first:
        return None
    shown = db.session.scalar(select(func.count(Post.id)).where(
        Post.author_id == actor.id, Post.is_hidden.is_(False)))
    return "held" if shown < first else None
