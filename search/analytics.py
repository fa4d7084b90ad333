"""Search analytics: what people search for, what they click, and what finds nothing.

A search or a click appends one line to the process's analytics spool (core.spool), so a
search stays a read; the flusher adds the counts to one row per (day, normalised query).
Result links carry a signed click token (query and thread) that /search/click checks.
"""
import re
import time
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import desc, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.database import db
from core.spool import Spool
from core.transactions import transactional
from search.models import SearchQueryStat

QUERY_LENGTH = 100
_SPACE = re.compile(r"[\s\x00-\x1f\x7f]+")


def normalise(text: str) -> str:
    """Case-folded, whitespace collapsed, cut to the stored length: one row per way of asking."""
    return _SPACE.sub(" ", (text or "").casefold()).strip()[:QUERY_LENGTH].strip()


def record_search(text: str, results: int) -> None:
    query = normalise(text)
    if query:
        _spool.append(f"s {int(time.time())} {1 if results else 0}\t{query}\n")


def record_click(text: str) -> None:
    query = normalise(text)
    if query:
        _spool.append(f"c {int(time.time())} 0\t{query}\n")


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


def _counts(lines: list[str]) -> dict[tuple[date, str], list[int]]:
    counts: dict[tuple[date, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for line in lines:
        head, _, query = line.partition("\t")
        parts = head.split()
        if len(parts) != 3 or not query or not parts[1].isdigit():
            continue
        day = datetime.fromtimestamp(int(parts[1]), timezone.utc).date()
        row = counts[(day, query[:QUERY_LENGTH])]
        if parts[0] == "s":
            row[0] += 1
            row[1] += parts[2] == "0"
        elif parts[0] == "c":
            row[2] += 1
    return counts


@transactional
def _write(lines: list[str]) -> int:
    counts = _counts(lines)
    if not counts:
        return 0
    insert = (pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert)(
        SearchQueryStat)
    table = SearchQueryStat.__table__
    statement = insert.on_conflict_do_update(
        index_elements=["day", "query"],
        set_={"searches": table.c.searches + insert.excluded.searches,
              "zero_results": table.c.zero_results + insert.excluded.zero_results,
              "clicks": table.c.clicks + insert.excluded.clicks})
    # Sorted, so two processes flushing at once take their row locks in the same order.
    db.session.execute(statement, [
        {"day": day, "query": query, "searches": s, "zero_results": z, "clicks": c}
        for (day, query), (s, z, c) in sorted(counts.items())])
    return len(lines)


_spool = Spool("spool/search", _write, "search-analytics")


def top_queries(days: int, limit: int = 20, zero_only: bool = False) -> list:
    """Rows of (query, searches, zero_results, clicks) over the last `days` days, busiest first."""
    since = datetime.now(timezone.utc).date() - timedelta(days=days - 1)
    searches, zero = func.sum(SearchQueryStat.searches), func.sum(SearchQueryStat.zero_results)
    clicks = func.sum(SearchQueryStat.clicks)
    query = (select(SearchQueryStat.query, searches.label("searches"), zero.label("zero_results"),
                    clicks.label("clicks"))
             .where(SearchQueryStat.day >= since).group_by(SearchQueryStat.query))
    if zero_only:
        query = query.having(zero > 0).order_by(desc(zero), SearchQueryStat.query)
    else:
        query = query.having(searches > 0).order_by(desc(searches), SearchQueryStat.query)
    return db.session.execute(query.limit(limit)).all()


def totals(days: int) -> tuple[int, int, int]:
    """(searches, zero-result searches, clicks) over the last `days` days."""
    since = datetime.now(timezone.utc).date() - timedelta(days=days - 1)
    row = db.session.execute(select(func.coalesce(func.sum(SearchQueryStat.searches), 0),
                                    func.coalesce(func.sum(SearchQueryStat.zero_results), 0),
                                    func.coalesce(func.sum(SearchQueryStat.clicks), 0))
                             .where(SearchQueryStat.day >= since)).one()
    return int(row[0]), int(row[1]), int(row[2])
