"""Signed-in readers' pages: one rendering shared by every reader with the same rights, and each
reader's own parts (header, their votes, their watch level, tokens) filled into it per response
from one indexed query, with no template rendering and no ORM objects on that path.

A shared rendering marks those parts: a slot (`\\0=name\\0`) takes a value, a choice
(`\\0<key\\0` variant `\\0|\\0` variant ... `\\0>\\0`) keeps one of its variants. NUL never
reaches a page otherwise (it cannot be stored or rendered), so the marks cannot be forged.
"""
import re
from dataclasses import dataclass
from datetime import datetime

from flask import url_for
from jinja2 import pass_context
from markupsafe import Markup, escape
from sqlalchemy import text

from community import policies
from core.database import db
from core.time import utcnow

_MARK = re.compile(rb"\x00([=<|>])([A-Za-z0-9_-]{0,40})\x00")
VOTES = (None, 1, -1)  # a vote choice's variants, in order
WATCH = (None, "watching", "tracking", "muted")


def slot(name: str) -> Markup:
    return Markup(f"\x00={name}\x00")


def choice(key: str | None = None, end: bool = False) -> Markup:
    """Opens a choice (with its key), separates its variants (no key), or ends it."""
    return Markup("\x00>\x00" if end else f"\x00<{key}\x00" if key else "\x00|\x00")


class Program:
    """A shared rendering cut once, when it is kept: the page as a list of byte pieces with the
    first variant of every choice already in place, and where its slots and other variants go.
    Filling it for a reader copies that list and sets those places only."""
    __slots__ = ("pieces", "slots", "choices", "held", "size")

    def __init__(self, pieces: list, slots: list, choices: list):
        self.pieces = pieces    # bytes, or None where a slot or a first variant with one goes
        self.slots = slots      # (index, slot name)
        self.choices: dict[str, list] = {}  # key -> [(index, variants)]: a key may recur
        for index, key, variants in choices:
            self.choices.setdefault(key, []).append((index, variants))
        # variant: bytes, or a list of bytes and slot names; a first variant holding a slot
        # (not pre-filled) is filled for every reader who did not pick another
        self.held = [(index, key, variants[0]) for index, key, variants in choices
                     if variants[0].__class__ is not bytes]
        self.size = sum(len(p) for p in pieces if p) + sum(
            len(v) if v.__class__ is bytes else sum(len(x) for x in v if x.__class__ is bytes)
            for _, _, variants in choices for v in variants) + 8 * len(slots)

    def fill(self, values: dict[str, bytes], chosen: dict[str, int]) -> bytes:
        """One reader's page: each slot's value and each choice's chosen variant (the first
        unless told otherwise)."""
        out = self.pieces.copy()
        for index, name in self.slots:
            out[index] = values[name]
        for key, pick in chosen.items():
            for index, variants in self.choices.get(key, ()):
                if 0 < pick < len(variants):
                    out[index] = _joined(variants[pick], values)
        for index, key, first in self.held:
            if not chosen.get(key):
                out[index] = _joined(first, values)
        return b"".join(out)


def _joined(variant, values: dict[str, bytes]) -> bytes:
    return variant if variant.__class__ is bytes else b"".join(
        x if x.__class__ is bytes else values[x] for x in variant)


def compile_page(body: bytes) -> Program:
    """Cut a shared rendering at its marks; linear in the page."""
    pieces, slots, choices, at, key = [], [], [], 0, ""
    variants = None  # the open choice's variants, each a list of pieces
    for mark in _MARK.finditer(body):
        text_before = body[at:mark.start()]
        at = mark.end()
        kind, name = mark.group(1), mark.group(2).decode()
        if variants is not None:
            if text_before:
                variants[-1].append(text_before)
            if kind == b"=":
                variants[-1].append(name)
            elif kind == b"|":
                variants.append([])
            elif kind == b">":
                joined = [b"".join(v) if all(x.__class__ is bytes for x in v) else v
                          for v in variants]
                choices.append((len(pieces), key, joined))
                pieces.append(joined[0] if joined[0].__class__ is bytes else None)
                variants = None
            else:
                raise ValueError(f"unbalanced page mark {mark.group(0)!r}")
            continue
        if text_before:
            pieces.append(text_before)
        if kind == b"=":
            slots.append((len(pieces), name))
            pieces.append(None)
        elif kind == b"<":
            key, variants = name, [[]]
        else:
            raise ValueError(f"unbalanced page mark {mark.group(0)!r}")
    if variants is not None:
        raise ValueError("a choice is not closed")
    pieces.append(body[at:])
    return Program(pieces, slots, choices)


# ---- the reader's own parts, drawn without templates --------------------------------------

def avatar_svg(user_id: int, username: str, size_px: int = 24) -> Markup:
    """Initials on a colour derived from the user id: drawn here, never fetched from a service
    that would learn who reads what (the fill is an attribute, allowed by the CSP)."""
    initials = escape((username[:2] if username else "?").upper())
    return Markup(
        f'<svg class="avatar" aria-hidden="true" width="{size_px}" height="{size_px}" '
        f'viewBox="0 0 24 24"><rect width="24" height="24" rx="12" '
        f'fill="hsl({(user_id * 137) % 360},55%,30%)"/><text x="12" y="16" text-anchor="middle" '
        f'font-size="10" font-family="system-ui,sans-serif" font-weight="600" fill="#fff">'
        f'{initials}</text></svg>')


_BELL_ICON = ('<svg aria-hidden="true" width="20" height="20" viewBox="0 0 20 20"><path d="M10 2.5a5 '
              '5 0 0 0-5 5v3.2L3.5 13.5h13L15 10.7V7.5a5 5 0 0 0-5-5z" fill="none" '
              'stroke="currentColor" stroke-width="1.8" stroke-linejoin="round"/><path d="M8 '
              '15.5a2 2 0 0 0 4 0" fill="none" stroke="currentColor" stroke-width="1.8" '
              'stroke-linecap="round"/></svg>')


def parts(user_id: int, username: str, unread: int, build=None) -> dict[str, Markup]:
    """The header's parts that are the reader's own: the bell, the menu's avatar, their name.
    `build(endpoint, **values)` makes their links (url_for unless given)."""
    build = build or url_for
    count = f"<b>{unread if unread < 100 else '99+'}</b>" if unread else ""
    profile = build("web.profile", user_id=user_id, username=username)
    return {
        "bell": Markup(f'<a class="bell" href="{build("notifications.index")}" '
                       f'aria-label="Notifications, {unread} unread">{_BELL_ICON}{count}</a>'),
        "menu": Markup(f'<summary aria-label="Account menu for {escape(username)}">'
                       f'{avatar_svg(user_id, username, 32)}</summary>'),
        "me": Markup(f'<a href="{escape(profile)}">{escape(username)}</a>')}


@pass_context
def reader_part(context, name: str) -> Markup:
    """In a template: the part itself, or its slot when the page is rendered to be shared."""
    if context.get("overlay"):
        return slot(name)
    user = context["current_user"]
    return parts(user.id, user.username, user.unread_notifications)[name]


# ---- the one query ------------------------------------------------------------------------

@dataclass(frozen=True)
class Reader:
    """A signed-in reader as their shared page needs them: figures straight from the driver."""
    user_id: int
    stamp: str
    username: str
    unread: int
    rights: tuple      # policies.rights_key: who shares a rendering with whom
    version: int | None  # the thread's (None: no such thread)
    votes: dict        # post id -> 1 or -1, on this thread
    watch: str | None  # their level on this thread (or the list's category)
    authored: bool     # they wrote a post here (their page shows their own controls)
    held: bool = False  # a thread of theirs waits for a moderator (lists show it to them)

    def key(self, thread_id: int) -> tuple:
        """Readers who wrote nothing here share one rendering; an author has their own."""
        return ("r", thread_id, self.rights, self.user_id if self.authored else 0)

    def list_key(self, path: str) -> tuple:
        """Readers with these rights share a list, unless it would show them their held thread."""
        return ("l", path, self.rights, self.user_id if self.held else 0)

    def chosen(self) -> dict[str, int]:
        picks = {f"v{post}": VOTES.index(value) for post, value in self.votes.items()
                 if value in VOTES}
        if self.watch in WATCH:
            picks["w"] = WATCH.index(self.watch)
        return picks

    def own_parts(self, build=None) -> dict[str, bytes]:
        """Their header's parts, encoded (`build`: how links are made, as for parts())."""
        return {k: v.encode() for k, v in
                parts(self.user_id, self.username, self.unread, build).items()}

    def values(self, csrf_token: str, submission_token: str, build=None) -> dict[str, bytes]:
        return {**self.own_parts(build), "csrf": csrf_token.encode(),
                "sub": submission_token.encode()}


_SQL = (
    "SELECT u.session_stamp, u.username, u.unread_notifications, u.role, u.reputation,"
    " u.is_super_user, u.silenced_until,"
    " (SELECT version FROM threads WHERE id = :thread_id),"
    " (SELECT {agg} FROM votes v JOIN posts p ON p.id = v.post_id"
    "  WHERE v.user_id = :user_id AND p.thread_id = :thread_id),"
    " (SELECT level FROM watches WHERE user_id = :user_id AND target_type = :watch_type"
    "  AND target_id = :watch_id),"
    " (SELECT count(*) FROM posts WHERE thread_id = :thread_id AND author_id = :user_id),"
    " (SELECT value FROM site_settings WHERE name = 'REPUTATION_PRESET'),"
    " EXISTS (SELECT 1 FROM threads WHERE author_id = :user_id AND is_hidden AND NOT is_deleted)"
    " FROM users u WHERE u.id = :user_id AND EXISTS (SELECT 1 FROM sign_in_sessions"
    " WHERE key_hash = :key_hash AND user_id = :user_id)")
_AGGREGATE = {"postgresql": "string_agg(v.post_id || ':' || v.value, ',')",
              "sqlite": "group_concat(v.post_id || ':' || v.value)"}
_compiled: dict[str, tuple[str, tuple | None]] = {}


def read(user_id: int, thread_id: int, key_hash: str, engine=None, config=None,
         watch: tuple[str, int] | None = None) -> Reader | None:
    """The reader and what their page of the thread needs, in one statement sent on a pooled
    DB-API connection (compiled once per dialect); None once their sign-in has ended.
    `engine` and `config`: the app's, when called outside an application context. A list
    passes thread 0 and the target its watch form is about (its category), if any."""
    engine = engine or db.engine
    sql, names = _statement(engine.dialect)
    watch_type, watch_id = watch or ("thread", thread_id)
    params = {"user_id": user_id, "thread_id": thread_id, "key_hash": key_hash,
              "watch_type": watch_type, "watch_id": watch_id}
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(sql, tuple(params[n] for n in names) if names else params)
        row = cursor.fetchone()
        cursor.close()
    finally:
        connection.close()  # back to the pool, rolled back
    if row is None:
        return None
    stamp, username, unread, role, reputation, super_user, silenced, version, votes, level, \
        authored, preset, held = row
    rights = policies.rights_key(role, reputation, bool(super_user), _after_now(silenced), preset,
                                 config)
    return Reader(user_id, stamp, username, unread or 0, rights, version, _votes(votes), level,
                  bool(authored), bool(held))


def _statement(dialect) -> tuple[str, tuple | None]:
    if dialect.name not in _compiled:
        sql = _SQL.format(agg=_AGGREGATE.get(dialect.name, _AGGREGATE["postgresql"]))
        compiled = text(sql).compile(dialect=dialect)
        _compiled[dialect.name] = (compiled.string,
                                   tuple(compiled.positiontup) if compiled.positional else None)
    return _compiled[dialect.name]


def _votes(raw: str | None) -> dict[int, int]:
    if not raw:
        return {}
    pairs = (item.split(":") for item in raw.split(","))
    return {int(post): int(value) for post, value in pairs}


def _after_now(value) -> bool:
    """A silenced_until as the driver gives it (SQLite: text; PostgreSQL: a naive datetime)."""
    if value is None:
        return False
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value > utcnow().replace(tzinfo=None)


class SharedReader:
    """Whom a shared page is rendered as: the reader's rights, and nobody's identity (no post
    on the page is theirs, so no control there depends on who they are)."""
    id = 0

    def __init__(self, user):
        self._user = user

    def __getattr__(self, name):
        return getattr(self._user, name)
