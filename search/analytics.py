"""Search analytics, recorded: searches, zero-result searches, clicks and deflections, each once
per distinct visitor (a day's keyed digest of account or address), so one client cannot flood
them. A signal appends a line to the process's spool (core.spool), so a search stays a read;
the flusher inserts them into search_signals. Result links carry a signed click token.
"""
import hashlib
import re
import time
from datetime import date, datetime, UTC

from flask import current_app, has_request_context, request
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from community import events as content
from core.database import db
from core.events import on_commit
from core.spool import Spool
from core.transactions import transactional
from search.models import SearchSignal

QUERY_LENGTH = 100
_SPACE = re.compile(r"[\s\x00-\x1f\x7f]+")


def normalise(text: str) -> str:
    """Case-folded, whitespace collapsed, cut to the stored length: one row per way of asking."""
    return _SPACE.sub(" ", (text or "").casefold()).strip()[:QUERY_LENGTH].strip()


# Kinds of signal: a search, one that found nothing, a result click, a click on a solved
# thread's result, a helpful mark ("this solved my problem"), a question asked.
SEARCH, ZERO, CLICK, SOLVED_CLICK, HELPFUL, ASKED = "s", "z", "c", "k", "h", "a"
KINDS = (SEARCH, ZERO, CLICK, SOLVED_CLICK, HELPFUL, ASKED)


def visitor(user=None, address: str | None = None, when: float | None = None) -> str:
    """Who, for counting: a keyed digest of the account (signed in) or the client address
    (the proxy-resolved one) and the day; the same all day, not traceable across days."""
    ident = f"user:{user.id}" if getattr(user, "id", None) is not None else \
        f"ip:{address if address is not None else (request.remote_addr if has_request_context() else '')}"
    day = _day(when or time.time()).isoformat()
    key = current_app.config["SECRET_KEY"].encode()[:64]
    return hashlib.blake2b(f"{day}|{ident}".encode(), key=key, digest_size=8).hexdigest()


def _signal(kind: str, query: str, thread_id: int = 0, who: str | None = None) -> None:
    who = who or visitor(_current_user())
    _spool.append(f"{kind} {int(time.time())} {int(thread_id)} {who}\t{query}\n")


def record_search(text: str, results: int, who: str | None = None) -> None:
    query = normalise(text)
    if query:
        _signal(SEARCH, query, who=who)
        if not results:
            _signal(ZERO, query, who=who)


def record_click(text: str, thread_id: int = 0, solved: bool = False,
                 who: str | None = None) -> None:
    """A result opened; a solved thread's counts as a deflection unless the visitor asks a
    question the same day (their visit, as far as we count)."""
    query = normalise(text)
    if query:
        _signal(CLICK, query, thread_id, who)
    if solved and thread_id:
        _signal(SOLVED_CLICK, query, thread_id, who)


def record_deflection(thread_id: int, query: str | None = None, visitor: str | None = None) -> None:
    """A helpful mark ("This solved my problem") on a thread, counted once per visitor and
    thread a day, and for the query that led there when one did. `visitor`: from
    search.analytics.visitor(user) (the default: the current request's)."""
    _signal(HELPFUL, normalise(query or ""), thread_id, visitor)


def record_question_asked(user=None, address: str | None = None) -> None:
    """A question was asked in this visit: the visit's solved-result clicks are no deflection."""
    for who in {visitor(user, address), visitor(None, address)}:
        _signal(ASKED, "", 0, who)


LED_FROM = "search_led_to"  # session key: [thread id, query] of the last result opened


def leading_query(thread_id: int) -> str | None:
    """The search that led this visitor to the thread (from their session), if one did."""
    if not has_request_context():
        return None
    from flask import session
    led = session.get(LED_FROM)
    return led[1] if isinstance(led, list) and len(led) == 2 and led[0] == thread_id else None


def _current_user():
    if not has_request_context():
        return None
    from flask_login import current_user
    return current_user if getattr(current_user, "is_authenticated", False) else None


def _day(timestamp: float) -> date:
    return datetime.fromtimestamp(int(timestamp), UTC).date()


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="search-click")


def click_token(text: str, thread_id: int) -> str:
    return _serializer().dumps([normalise(text), int(thread_id)])


def read_click_token(token: str) -> tuple[str, int] | None:
    """(query, thread id) from a token we signed, else None."""
    try:
        query, thread_id = _serializer().loads(token or "")
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(query, str) or not isinstance(thread_id, int):
        return None
    return query, thread_id


def flush() -> int:
    """Write the spooled searches and clicks; returns how many lines were written."""
    return _spool.flush() or 0


def discard() -> None:
    _spool.discard()


def _signals(lines: list[str]) -> list[dict]:
    rows = {}
    for line in lines:
        head, _, query = line.rstrip("\n").partition("\t")
        parts = head.split()
        if len(parts) != 4 or parts[0] not in KINDS or not parts[1].isdigit() \
                or not parts[2].isdigit():
            continue  # torn, or an older spool's line
        row = {"day": _day(int(parts[1])), "kind": parts[0], "visitor": parts[3][:16],
               "thread_id": int(parts[2]), "query": query[:QUERY_LENGTH]}
        rows[tuple(row.values())] = row
    return [rows[key] for key in sorted(rows, key=str)]


@transactional
def _write(lines: list[str]) -> int:
    rows = _signals(lines)
    if not rows:
        return 0
    insert = (pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert)(
        SearchSignal)
    # Sorted, so two processes flushing at once take their row locks in the same order.
    db.session.execute(insert.on_conflict_do_nothing(), rows)
    return len(lines)


_spool = Spool("spool/search", _write, "search-analytics")


@on_commit(content.THREAD_CREATED)
def _asked(event) -> None:
    """A question asked from a web request ends its visitor's deflections for the day."""
    if has_request_context():
        record_question_asked(_current_user())


from search.analytics_report import by_day, report, top_queries, totals  # noqa: E402,F401


@on_commit(content.THREAD_HELPFUL)
def _helpful(event) -> None:
    """A "This solved my problem" mark is a deflection for its thread and the query that led
    there (the mark's own visitor key keeps it once per visitor)."""
    who = "".join(c for c in str(event.data.get("visitor") or "") if c.isalnum() or c == ":")
    record_deflection(event.thread_id, event.data.get("query"), visitor=who or None)
