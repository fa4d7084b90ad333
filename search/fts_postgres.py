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


# Similar questions: an OR of the question's lexemes (the configuration drops stop words), each
# lexeme's cover density (title A > tags B > question C > answers D, PostgreSQL's default weights)
# weighted by its inverse document frequency as in BM25, log(1 + (N - df + 0.5) / (df + 0.5)).
# ts_rank_cd alone has no IDF: in an OR of a title's words a word half the threads use counted
# as much as the one word that tells them apart. (Dividing by the length as well did worse on
# held-out pairs, and ranked a thread below its twin for having an answer.)
_CANDIDATES = f"""
WITH terms AS (
    SELECT DISTINCT to_tsquery('simple', quote_literal(lexeme)) AS q
    FROM unnest(tsvector_to_array(to_tsvector('{CONFIG}', :text))) AS lexeme),
size AS (SELECT count(*) AS n FROM search_fts),
weighted AS (
    SELECT t.q, ln(1 + (size.n - f.df + 0.5) / (f.df + 0.5)) AS idf
    FROM terms t CROSS JOIN size
    CROSS JOIN LATERAL (SELECT count(*) AS df FROM search_fts WHERE tsv @@ t.q) f)
SELECT s.thread_id AS id, sum(w.idf * ts_rank_cd(s.tsv, w.q)) AS rank
FROM weighted w JOIN search_fts s ON s.tsv @@ w.q
GROUP BY s.thread_id ORDER BY rank DESC, s.thread_id LIMIT :limit"""


def candidates(words: list[str], limit: int) -> list[tuple[int, float]]:
    rows = db.session.execute(text(_CANDIDATES), {"text": " ".join(words), "limit": limit}).all()
    return [(r.id, float(r.rank)) for r in rows]


def frequency(word: str, cap: int = 1000) -> int:
    return db.session.scalar(text(
        f"SELECT count(*) FROM (SELECT 1 FROM search_fts WHERE tsv @@ "
        f"websearch_to_tsquery('{CONFIG}', :q) LIMIT :cap) found"), {"q": word, "cap": cap}) or 0
