"""Ranks and marks: the words shown beside an author (a rank for their reputation, a staff or
super-user mark), so a reader understands who is speaking without decoding a number."""
from flask import current_app, has_app_context

# The default ladder (app/config.py REPUTATION_RANKS overrides it), lowest first.
RANKS = ((1, "Newcomer"), (50, "Contributor"), (200, "Regular"), (1000, "Expert"), (5000, "Guru"))
STAFF_MARKS = {"moderator": "Moderator", "support": "Support", "admin": "Admin"}


def ranks() -> list[tuple[int, str]]:
    configured = current_app.config.get("REPUTATION_RANKS") if has_app_context() else None
    return sorted((int(t), str(n)) for t, n in (configured or RANKS))


def rank_for(reputation: int) -> str:
    ladder = ranks()
    name = ladder[0][1]
    for threshold, label in ladder:
        if reputation >= threshold:
            name = label
    return name


def next_rank(reputation: int) -> tuple[int, str] | None:
    """The next rank up and the reputation it needs, or None at the top."""
    return next(((t, n) for t, n in ranks() if t > reputation), None)


def staff_mark(user) -> str | None:
    return STAFF_MARKS.get(getattr(user, "role", None))


def marks(user) -> list[str]:
    """Every mark shown beside the user's name: staff role first, then super-user."""
    found = [m for m in (staff_mark(user),) if m]
    if getattr(user, "is_super_user", False):
        found.append("Super-user")
    return found
