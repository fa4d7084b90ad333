"""Who hears of an event: one handler per event type turns it into drafts (reader, kind,
coalescing key, link), from watches and roles. The consumer then drops the actor and whoever may
not see the content (community.policies.can_hear_of) before anything is written."""
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import and_, or_, select

from app.notifications.models import Watch
from community import events
from community.models import Case, Post, Thread, User, thread_tags
from core.database import db
from core.events import Event
from reputation.badges import BADGE_AWARDED, BY_SLUG
from reputation.ledger import RANK_REACHED
from reputation.super_users import SUPER_USER_CHANGED

# Moderation events the review queue will emit; handled here so they notify once they exist.
# Payloads: thread_id, post_id (when a post), actor_id; flag.resolved also names the flaggers
# (user_id, or data.flagger_ids) and data.outcome; thread.locked / thread.closed carry
# data.locked / data.closed (false: reopened, which notifies no one).
FLAG_RESOLVED, POST_HIDDEN = "flag.resolved", "post.hidden"
THREAD_LOCKED, THREAD_CLOSED = "thread.locked", "thread.closed"
MENTION = re.compile(r"(?<![\w@/.])@([A-Za-z0-9_.-]{1,30})")
CODE = re.compile(r"```.*?```|~~~.*?~~~|`[^`\n]*`", re.S)
MAX_MENTIONS = 10  # per post: a post naming the whole community notifies only the first few


@dataclass
class Draft:
    user_id: int
    kind: str
    key: str
    data: dict = field(default_factory=dict)  # what the text is made of (title, badge, ...)
    quiet: bool = False          # from a "tracking" watch: in the bell, never mailed
    needs: str = "post"          # what visibility is checked against: post, thread, case, none


@dataclass
class Context:
    event: Event
    thread: Thread | None
    post: Post | None


HANDLERS: dict[str, Callable[[Context], list[Draft]]] = {}


def handles(*types: str):
    def register(fn):
        for type_ in types:
            HANDLERS[type_] = fn
        return fn
    return register


TYPES = (events.THREAD_CREATED, events.POST_CREATED, events.POST_PUBLISHED,
         events.ANSWER_ACCEPTED, events.VOTE_CAST, events.CASE_UPDATED,
         events.THREAD_MARKED_DUPLICATE, BADGE_AWARDED, RANK_REACHED, SUPER_USER_CHANGED,
         FLAG_RESOLVED, POST_HIDDEN, THREAD_LOCKED, THREAD_CLOSED)


def drafts_for(ctx: Context) -> list[Draft]:
    handler = HANDLERS.get(ctx.event.type)
    return handler(ctx) if handler else []


def _about(ctx: Context) -> dict:
    return {"title": ctx.thread.title} if ctx.thread is not None else {}


def _levels(*targets: tuple[str, list[int]]) -> dict[int, str]:
    """{user: level} over these (target type, ids); muted wins, then watching, then tracking."""
    clauses = [and_(Watch.target_type == type_, Watch.target_id.in_(ids))
               for type_, ids in targets if ids]
    if not clauses:
        return {}
    rank = {"tracking": 0, "watching": 1, "muted": 2}
    found: dict[int, str] = {}
    for uid, level in db.session.execute(select(Watch.user_id, Watch.level).where(or_(*clauses))):
        if rank[level] >= rank.get(found.get(uid), -1):
            found[uid] = level
    return found


def _mentioned(ctx: Context, muted: set[int]) -> list[Draft]:
    # "@ann." ends a sentence: trailing dots and dashes are not part of the name.
    names = {m.rstrip(".-").lower() for m in MENTION.findall(CODE.sub(" ", ctx.post.body))}
    names = sorted(names)[:MAX_MENTIONS]
    if not names:
        return []
    users = db.session.scalars(select(User.id).where(User.username_key.in_(names))).all()
    return [Draft(uid, "mention", f"mention:post:{ctx.post.id}", _about(ctx))
            for uid in users if uid not in muted]


def _watchers_and_mentions(ctx: Context, levels: dict[int, str], kind: str) -> list[Draft]:
    """Everyone @mentioned in the post, then every watcher not told already; muted: nobody.
    One notification per reader and thread for `kind` ("3 new answers")."""
    muted = {uid for uid, level in levels.items() if level == "muted"}
    mentions = _mentioned(ctx, muted)
    told = {d.user_id for d in mentions}
    return mentions + [Draft(uid, kind, f"{kind}:thread:{ctx.thread.id}", _about(ctx),
                             quiet=level == "tracking")
                       for uid, level in levels.items() if level != "muted" and uid not in told]


@handles(events.THREAD_CREATED)
def thread_created(ctx: Context) -> list[Draft]:
    """Readers watching the category or one of the tags hear of the new thread."""
    thread = ctx.thread
    tags = db.session.scalars(select(thread_tags.c.tag_id)
                              .where(thread_tags.c.thread_id == thread.id)).all()
    levels = _levels(("category", [thread.category_id]), ("tag", list(tags)))
    return _watchers_and_mentions(ctx, levels, "watched")


@handles(events.POST_CREATED, events.POST_PUBLISHED)
def answer_created(ctx: Context) -> list[Draft]:
    """The thread's watchers (the asker unless they muted it) hear of a new answer; a draft
    waits until it is published."""
    if ctx.post is None or ctx.post.is_question or \
            (ctx.event.type == events.POST_CREATED and ctx.post.is_draft):
        return []
    levels = _levels(("thread", [ctx.thread.id]))
    levels.setdefault(ctx.thread.author_id, "watching")
    levels.pop(ctx.post.author_id, None)
    return _watchers_and_mentions(ctx, levels, "answer")


@handles(events.ANSWER_ACCEPTED)
def answer_accepted(ctx: Context) -> list[Draft]:
    author = ctx.event.data.get("answer_author_id")
    return [Draft(author, "accepted", f"accepted:post:{ctx.event.post_id}", _about(ctx))] \
        if author else []


@handles(events.VOTE_CAST)
def vote_cast(ctx: Context) -> list[Draft]:
    """Up-votes coalesce per post ("5 votes"); who voted is never said."""
    data = ctx.event.data
    if data.get("value") != 1 or data.get("old") == 1 or not data.get("author_id"):
        return []
    return [Draft(data["author_id"], "vote", f"vote:post:{ctx.event.post_id}",
                  _about(ctx) | {"question": bool(ctx.post and ctx.post.is_question)})]


@handles(BADGE_AWARDED)
def badge_awarded(ctx: Context) -> list[Draft]:
    slug = ctx.event.data.get("badge")
    badge = BY_SLUG.get(slug)
    name = badge.name if badge else slug
    return [Draft(ctx.event.user_id, "badge", f"badge:{slug}:{ctx.event.post_id or 0}",
                  {"badge": name}, needs="none")]


@handles(RANK_REACHED)
def rank_reached(ctx: Context) -> list[Draft]:
    rank = ctx.event.data.get("rank")
    return [Draft(ctx.event.user_id, "rank", f"rank:{rank}", {"rank": rank}, needs="none")]


@handles(SUPER_USER_CHANGED)
def super_user(ctx: Context) -> list[Draft]:
    if not ctx.event.data.get("granted"):
        return []
    return [Draft(ctx.event.user_id, "super_user", f"super_user:{ctx.event.id}", needs="none")]


@handles(events.CASE_UPDATED)
def case_updated(ctx: Context) -> list[Draft]:
    """The asker and the agent who escalated hear of each status change; changes coalesce."""
    case = db.session.get(Case, ctx.event.data.get("case_id") or 0)
    people = {ctx.thread.author_id, case.escalated_by_id if case else None}
    data = _about(ctx) | {"status": ctx.event.data.get("status")}
    return [Draft(uid, "case", f"case:thread:{ctx.thread.id}", data, needs="case")
            for uid in people if uid]


@handles(events.THREAD_MARKED_DUPLICATE, THREAD_LOCKED, THREAD_CLOSED)
def thread_moderated(ctx: Context) -> list[Draft]:
    action = {events.THREAD_MARKED_DUPLICATE: "marked as a duplicate", THREAD_LOCKED: "locked",
              THREAD_CLOSED: "closed"}[ctx.event.type]
    flag = {THREAD_LOCKED: "locked", THREAD_CLOSED: "closed"}.get(ctx.event.type)
    if flag and ctx.event.data.get(flag) is False:
        return []
    return [Draft(ctx.thread.author_id, "moderation", f"moderation:{ctx.event.id}",
                  _about(ctx) | {"action": action}, needs="thread")]


@handles(POST_HIDDEN)
def post_hidden(ctx: Context) -> list[Draft]:
    if ctx.post is None:
        return []
    return [Draft(ctx.post.author_id, "moderation", f"moderation:{ctx.event.id}",
                  _about(ctx) | {"action": "hidden"}, needs="thread")]


@handles(FLAG_RESOLVED)
def flag_resolved(ctx: Context) -> list[Draft]:
    flaggers = set(ctx.event.data.get("flagger_ids") or ()) | {ctx.event.user_id}
    data = _about(ctx) | {"outcome": ctx.event.data.get("outcome")}
    return [Draft(uid, "flag", f"flag:post:{ctx.event.post_id}", data, needs="thread")
            for uid in flaggers if isinstance(uid, int)]


def load(event: Event) -> Context:
    """The event's thread and post as they are now (a deleted one then notifies no one)."""
    thread = db.session.get(Thread, event.thread_id) if event.thread_id else None
    post = db.session.get(Post, event.post_id) if event.post_id else None
    if post is not None and thread is None:
        thread = db.session.get(Thread, post.thread_id)
    return Context(event, thread, post)
