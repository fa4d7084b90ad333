"""Badges as small declarative rules over the ledger and posts, and awarding them.

Each rule is a query for who qualifies (user, and the post for once-per-post badges); awarding
inserts what is missing, once per user (or per post), and emits `badge.awarded`. The `badges`
consumer (reputation.consumers) runs it for the users an event touched; `reputation recompute`
runs it for everyone. Badges stay once earned, except state badges (super-user) that follow
the state.
"""
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Select, bindparam, delete, func, literal, select, union_all
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from community.models import Flag, Post, Revision, Thread, User, Vote
from core.database import built, db
from core.events import emit
from core.time import utcnow
from core.transactions import transactional
from reputation.models import UserBadge

BADGE_AWARDED = "badge.awarded"  # user_id, post_id; data: badge, tier
BADGE_REVOKED = "badge.revoked"  # user_id; data: badge
TIERS = ("bronze", "silver", "gold")


@dataclass(frozen=True)
class Badge:
    slug: str
    name: str
    tier: str
    description: str
    # users (None: everyone) -> a select of (user_id, post_id or NULL) who qualify.
    qualifying: Callable[[list[int] | None], Select]
    per_post: bool = False
    follows_state: bool = False  # taken back when the state ends (super-user)


def _only(query: Select, column, users):
    return query if users is None else query.where(column.in_(users))


def accepted_answers(count: int):
    """Answers accepted on someone else's question (accepting your own counts for nothing)."""
    def query(users):
        q = (select(Post.author_id, literal(None).label("post_id"))
             .join(Thread, Thread.id == Post.thread_id)
             .where(Post.kind == "answer", Post.is_accepted.is_(True), Post.is_deleted.is_(False),
                    Post.author_id != Thread.author_id)
             .group_by(Post.author_id).having(func.count(Post.id) >= count))
        return _only(q, Post.author_id, users)
    return query


def post_score(kind: str, score: int):
    def query(users):
        q = select(Post.author_id, Post.id).where(Post.kind == kind, Post.score >= score,
                                                  Post.is_deleted.is_(False),
                                                  Post.is_draft.is_(False))
        return _only(q, Post.author_id, users)
    return query


def days_active(days: int):
    """Distinct UTC days on which the user wrote, edited or voted."""
    def query(users):
        acts = union_all(_only(select(Revision.author_id.label("user_id"),
                                      Revision.created_at.label("at")), Revision.author_id, users),
                         _only(select(Vote.user_id, Vote.created_at), Vote.user_id, users)
                         ).subquery()
        return (select(acts.c.user_id, literal(None).label("post_id")).group_by(acts.c.user_id)
                .having(func.count(func.distinct(func.date(acts.c.at))) >= days))
    return query


def first_edit(users):
    """An edit (a revision after the first) of any post."""
    q = select(Revision.author_id, literal(None).label("post_id")).where(Revision.rev > 1) \
        .group_by(Revision.author_id)
    return _only(q, Revision.author_id, users)


def first_vote(value: int):
    def query(users):
        q = select(Vote.user_id, literal(None).label("post_id")).where(Vote.value == value) \
            .group_by(Vote.user_id)
        return _only(q, Vote.user_id, users)
    return query


def super_user(users):
    q = select(User.id, literal(None).label("post_id")).where(User.is_super_user.is_(True))
    return _only(q, User.id, users)


def helpful_flags(count: int):
    """Flags a moderator marked helpful (earned once the review queue exists)."""
    def query(users):
        q = (select(Flag.user_id, literal(None).label("post_id")).where(Flag.status == "helpful")
             .group_by(Flag.user_id).having(func.count(Flag.id) >= count))
        return _only(q, Flag.user_id, users)
    return query


BADGES = (
    Badge("helper", "Helper", "bronze", "An answer accepted as the solution.", accepted_answers(1)),
    Badge("problem-solver", "Problem solver", "silver", "10 accepted answers.",
          accepted_answers(10)),
    Badge("trusted-solver", "Trusted solver", "gold", "50 accepted answers.",
          accepted_answers(50)),
    Badge("teacher", "Teacher", "bronze", "An answer voted to a score of 1.",
          post_score("answer", 1)),
    Badge("nice-answer", "Nice answer", "bronze", "An answer with a score of 10.",
          post_score("answer", 10), per_post=True),
    Badge("good-answer", "Good answer", "silver", "An answer with a score of 25.",
          post_score("answer", 25), per_post=True),
    Badge("student", "Student", "bronze", "A question voted to a score of 1.",
          post_score("question", 1)),
    Badge("nice-question", "Nice question", "bronze", "A question with a score of 10.",
          post_score("question", 10), per_post=True),
    Badge("good-question", "Good question", "silver", "A question with a score of 25.",
          post_score("question", 25), per_post=True),
    Badge("enthusiast", "Enthusiast", "silver", "Active on 30 different days.", days_active(30)),
    Badge("fanatic", "Fanatic", "gold", "Active on 100 different days.", days_active(100)),
    Badge("editor", "Editor", "bronze", "A first edit of a post.", first_edit),
    Badge("supporter", "Supporter", "bronze", "A first vote up.", first_vote(1)),
    Badge("critic", "Critic", "bronze", "A first vote down.", first_vote(-1)),
    Badge("helpful-flagger", "Helpful flagger", "silver", "10 flags a moderator found helpful.",
          helpful_flags(10)),
    Badge("super-user", "Super-user", "gold", "Recognised by the moderators as a super-user.",
          super_user, follows_state=True),
)
BY_SLUG = {b.slug: b for b in BADGES}


def _qualifying(badge: Badge, users) -> set[tuple[int, int]]:
    """(user_id, scope) pairs: scope is the post id for once-per-post badges, else 0."""
    rows = db.session.execute(badge.qualifying(users)).all()
    return {(uid, (pid or 0) if badge.per_post else 0) for uid, pid in rows}


def _held(users) -> set[tuple[int, str, int]]:
    query = select(UserBadge.user_id, UserBadge.badge, UserBadge.scope)
    if users is not None:
        query = query.where(UserBadge.user_id.in_(users))
    return set(db.session.execute(query).all())


@transactional
def award(users: list[int] | None = None) -> tuple[list[tuple], list[tuple]]:
    """Award what `users` (None: everyone) qualify for and lack; take back state badges whose
    state ended. Returns (awarded, revoked) as (user_id, badge, scope) lists."""
    held, awarded, revoked = _held(users), [], []
    for badge in BADGES:
        qualified = _qualifying(badge, users)
        for uid, scope in sorted(qualified):
            if (uid, badge.slug, scope) not in held and _insert(uid, badge, scope):
                awarded.append((uid, badge.slug, scope))
        if badge.follows_state:
            for uid, slug, scope in sorted(held):
                if slug == badge.slug and (uid, scope) not in qualified:
                    revoke(uid, slug)
                    revoked.append((uid, slug, scope))
    return awarded, revoked


def _insert(user_id: int, badge: Badge, scope: int) -> bool:
    """Insert one award unless a concurrent run already did; emit badge.awarded if it is new."""
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    post_id = scope or None
    done = db.session.execute(
        insert(UserBadge).values(user_id=user_id, badge=badge.slug, scope=scope,
                                 post_id=post_id, awarded_at=utcnow())
        .on_conflict_do_nothing(index_elements=["user_id", "badge", "scope"])
        .returning(UserBadge.id)).first()
    if done:
        emit(BADGE_AWARDED, user_id=user_id, post_id=post_id, badge=badge.slug, tier=badge.tier)
    return done is not None


def revoke(user_id: int, slug: str) -> None:
    """Take back a state badge (inside the caller's transaction)."""
    db.session.execute(delete(UserBadge).where(UserBadge.user_id == user_id,
                                               UserBadge.badge == slug))
    emit(BADGE_REVOKED, user_id=user_id, badge=slug)


def badges_of(user_id: int) -> list[tuple[Badge, UserBadge]]:
    """A user's badges, newest first, with their definitions."""
    rows = db.session.scalars(select(UserBadge).where(UserBadge.user_id == user_id)
                              .order_by(UserBadge.awarded_at.desc(), UserBadge.id.desc())).all()
    return [(BY_SLUG[r.badge], r) for r in rows if r.badge in BY_SLUG]


def tier_counts(user_ids) -> dict[int, dict[str, int]]:
    """{user_id: {tier: count}} for everyone shown on a page, in one query."""
    ids = sorted({u for u in user_ids if u})
    if not ids:
        return {}
    counts: dict[int, dict[str, int]] = {}
    rows = db.session.execute(built("tier_counts", lambda: (
        select(UserBadge.user_id, UserBadge.badge, func.count())
        .where(UserBadge.user_id.in_(bindparam("ids", expanding=True)))
        .group_by(UserBadge.user_id, UserBadge.badge))), {"ids": ids}).all()
    for uid, slug, n in rows:
        if slug in BY_SLUG:
            tiers = counts.setdefault(uid, {})
            tiers[BY_SLUG[slug].tier] = tiers.get(BY_SLUG[slug].tier, 0) + n
    return counts
