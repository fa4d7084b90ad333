"""Search analytics, read: totals, per-day series, per-query and per-thread lists over the last N
days, from search_signals (each row one distinct visitor's signal). A deflection is a helpful
mark, or a solved thread opened from a search result by a visitor who asked no question that
day; one per visitor, thread and day, and it counts for the query that led there."""
from datetime import date, datetime, timedelta, UTC

from sqlalchemy import and_, desc, exists, func, or_, select
from sqlalchemy.orm import aliased

from community.models import Thread
from core.database import db
from search.models import SearchSignal as S

SEARCH, ZERO, CLICK, SOLVED_CLICK, HELPFUL, ASKED = "s", "z", "c", "k", "h", "a"


def _since(days: int) -> date:
    return datetime.now(UTC).date() - timedelta(days=days - 1)


def _deflections(since: date):
    """(day, visitor, thread_id, query) of each deflection since `since`."""
    asked = aliased(S)
    no_question = ~exists().where(asked.kind == ASKED, asked.day == S.day,
                                  asked.visitor == S.visitor)
    return (select(S.day, S.visitor, S.thread_id, func.max(S.query).label("query"))
            .where(S.day >= since, or_(S.kind == HELPFUL,
                                       and_(S.kind == SOLVED_CLICK, no_question)))
            .group_by(S.day, S.visitor, S.thread_id).subquery())


def totals(days: int) -> tuple[int, int, int]:
    """(searches, zero-result searches, clicks) over the last `days` days."""
    row = _kind_counts(days)
    return row[SEARCH], row[ZERO], row[CLICK]


def _kind_counts(days: int) -> dict[str, int]:
    counts = dict(db.session.execute(
        select(S.kind, func.count()).where(S.day >= _since(days),
                                           S.kind.in_((SEARCH, ZERO, CLICK)))
        .group_by(S.kind)).all())
    return {kind: int(counts.get(kind, 0)) for kind in (SEARCH, ZERO, CLICK)}


def top_queries(days: int, limit: int = 20, zero_only: bool = False) -> list:
    """Rows of (query, searches, zero_results, clicks, deflections) over the last `days` days,
    busiest first (or those that found nothing, most often first)."""
    since = _since(days)
    searches, zero, clicks = (func.count().filter(S.kind == k) for k in (SEARCH, ZERO, CLICK))
    found = _deflections(since)
    deflected = (select(found.c.query, func.count().label("n")).where(found.c.query != "")
                 .group_by(found.c.query).subquery())
    query = (select(S.query, searches.label("searches"), zero.label("zero_results"),
                    clicks.label("clicks"),
                    func.coalesce(func.max(deflected.c.n), 0).label("deflections"))
             .outerjoin(deflected, deflected.c.query == S.query)
             .where(S.day >= since, S.kind.in_((SEARCH, ZERO, CLICK)), S.query != "")
             .group_by(S.query))
    if zero_only:
        query = query.having(zero > 0).order_by(desc(zero), S.query)
    else:
        query = query.having(searches > 0).order_by(desc(searches), S.query)
    return db.session.execute(query.limit(limit)).all()


def top_threads(days: int, limit: int = 20) -> list:
    """Rows of (thread_id, title, clicks, deflections) over the last `days` days, most
    deflections first."""
    since = _since(days)
    found = _deflections(since)
    deflected = select(found.c.thread_id, func.count().label("deflections")) \
        .group_by(found.c.thread_id).subquery()
    clicked = select(S.thread_id, func.count().label("clicks")).where(
        S.day >= since, S.kind == CLICK).group_by(S.thread_id).subquery()
    rows = db.session.execute(
        select(Thread.id.label("thread_id"), Thread.title,
               func.coalesce(clicked.c.clicks, 0).label("clicks"),
               deflected.c.deflections)
        .join(deflected, deflected.c.thread_id == Thread.id)
        .outerjoin(clicked, clicked.c.thread_id == Thread.id)
        .where(Thread.is_deleted.is_(False))
        .order_by(desc(deflected.c.deflections), Thread.id).limit(limit)).all()
    return rows


def deflection_count(days: int) -> int:
    found = _deflections(_since(days))
    return int(db.session.scalar(select(func.count()).select_from(found)) or 0)


def by_day(days: int) -> list[dict]:
    """One dict per day, oldest first: {day, searches, zero_result, clicks, deflections}."""
    since = _since(days)
    series = {since + timedelta(days=n): {"day": since + timedelta(days=n), "searches": 0,
                                         "zero_result": 0, "clicks": 0, "deflections": 0}
              for n in range(days)}
    names = {SEARCH: "searches", ZERO: "zero_result", CLICK: "clicks"}
    for day, kind, count in db.session.execute(
            select(S.day, S.kind, func.count()).where(S.day >= since, S.kind.in_(list(names)))
            .group_by(S.day, S.kind)).all():
        if day in series:
            series[day][names[kind]] = int(count)
    found = _deflections(since)
    for day, count in db.session.execute(select(found.c.day, func.count())
                                         .group_by(found.c.day)).all():
        if day in series:
            series[day]["deflections"] = int(count)
    return list(series.values())


def report(days: int, limit: int = 20) -> dict:
    """What GET /api/v1/search/analytics and /staff/search show."""
    counts = _kind_counts(days)
    return {"days": days, "searches": counts[SEARCH], "zero_result": counts[ZERO],
            "clicks": counts[CLICK], "deflections": deflection_count(days),
            "queries": [row._asdict() for row in top_queries(days, limit)],
            "zero_result_queries": [row._asdict() for row in
                                    top_queries(days, limit, zero_only=True)],
            "threads": [row._asdict() for row in top_threads(days, limit)],
            "by_day": by_day(days)}
