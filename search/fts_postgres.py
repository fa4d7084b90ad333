"""PostgreSQL full text for the database backend: `search_fts` with a weighted tsvector (title A,
tags B, question C, answers D) under the `commonplace` configuration, a GIN index,
websearch_to_tsquery for what people type, ts_rank_cd, and ts_headline for the page's rows."""
from sqlalchemy import text

from core.database import db
from search.backend import Hit, SearchQuery
from search.filters import filter_sql
from search.snippets import END, START, lead, marked

CONFIG = "commonplace"
_VECTOR = (f"setweight(to_tsvector('{CONFIG}', :title), 'A') || "
           f"setweight(to_tsvector('{CONFIG}', :tags), 'B') || "
           f"setweight(to_tsvector('{CONFIG}', :question), 'C') || "
           f"setweight(to_tsvector('{CONFIG}', :answers), 'D')")
_ORDER = {"relevance": "rank DESC, t.id DESC", "newest": "t.created_at DESC, t.id DESC",
          "votes": "t.score DESC, t.id DESC"}
HEADLINE_SOURCE = 4000  # characters of question + answers that ts_headline reads per hit
_HEADLINE = (f"'StartSel=' || chr(2) || ', StopSel=' || chr(3) || ', MaxFragments=2, "
             f"MaxWords=30, MinWords=12, FragmentDelimiter=\" … \"'")


def insert(docs) -> None:
    db.session.execute(text(f"INSERT INTO search_fts (thread_id, title, question, answers, tags, "
                            f"tsv) VALUES (:id, :title, :question, :answers, :tags, {_VECTOR})"),
                       [{"id": d.thread_id, "title": d.title, "question": d.question,
                         "answers": d.answers, "tags": " ".join(d.tags)} for d in docs])


def delete(ids) -> None:
    db.session.execute(text("DELETE FROM search_fts WHERE thread_id = ANY(:ids)"),
                       {"ids": [int(i) for i in ids]})


def clear() -> None:
    db.session.execute(text("DELETE FROM search_fts"))


def _tsquery(words: list[str], joiner: str) -> str:
    # websearch_to_tsquery never raises on what people type; the words hold only letters and
    # digits, and OR between them is its own syntax for "any of these".
    return f" {joiner} ".join(w for w in words if w != "or")


def search(words: list[str], query: SearchQuery) -> tuple[list[Hit], int]:
    where, params = filter_sql(query)
    params.update(limit=query.limit, offset=query.offset)
    if words:
        params["q"] = _tsquery(words, "")
        where.insert(0, "s.tsv @@ q.q")
        source = f"websearch_to_tsquery('{CONFIG}', :q) q, search_fts s " \
                 f"JOIN threads t ON t.id = s.thread_id"
        rank, order = "ts_rank_cd(s.tsv, q.q)", _ORDER.get(query.sort, _ORDER["relevance"])
    else:
        source = "search_fts s JOIN threads t ON t.id = s.thread_id"
        rank, order = "0.0", _ORDER["votes" if query.sort == "votes" else "newest"]
    body = f"FROM {source} JOIN categories c ON c.id = t.category_id WHERE {' AND '.join(where)}"
    rows = db.session.execute(text(f"SELECT s.thread_id AS id, {rank} AS rank {body} "
                                   f"ORDER BY {order} LIMIT :limit OFFSET :offset"), params).all()
    total = db.session.scalar(text(f"SELECT count(*) {body}"), params)
    snippets = _headlines([r.id for r in rows], params.get("q"))
    ranked = bool(words) and query.sort == "relevance"
    return [Hit(r.id, float(r.rank) if ranked else 0.0, snippets.get(r.id, ""))
            for r in rows], total


def _headlines(ids: list[int], q: str | None) -> dict[int, str]:
    """Highlighted fragments for the page's rows only (ts_headline re-parses the text)."""
    if not ids:
        return {}
    source = f"left(question || ' ' || answers, {HEADLINE_SOURCE})"
    headline = (f"ts_headline('{CONFIG}', {source}, websearch_to_tsquery('{CONFIG}', :q), "
                f"{_HEADLINE})" if q else "NULL")
    rows = db.session.execute(text(f"SELECT thread_id, {headline} AS h, left(question, 400) AS "
                                   f"lead FROM search_fts WHERE thread_id = ANY(:ids)"),
                              {"ids": ids, "q": q or ""}).all()
    return {r.thread_id: marked(r.h) if r.h and START in r.h and END in r.h else lead(r.lead)
            for r in rows}


def candidates(words: list[str], limit: int) -> list[tuple[int, float]]:
    rows = db.session.execute(text(
        f"SELECT s.thread_id AS id, ts_rank_cd(s.tsv, q.q) AS rank FROM search_fts s, "
        f"websearch_to_tsquery('{CONFIG}', :q) q WHERE s.tsv @@ q.q "
        f"ORDER BY rank DESC LIMIT :limit"), {"q": _tsquery(words, "or"), "limit": limit}).all()
    return [(r.id, float(r.rank)) for r in rows]


def frequency(word: str, cap: int = 1000) -> int:
    return db.session.scalar(text(
        f"SELECT count(*) FROM (SELECT 1 FROM search_fts WHERE tsv @@ "
        f"websearch_to_tsquery('{CONFIG}', :q) LIMIT :cap) found"), {"q": word, "cap": cap}) or 0
