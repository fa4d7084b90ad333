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
_HEAD = (f"setweight(to_tsvector('{CONFIG}', :title), 'A') || "
         f"setweight(to_tsvector('{CONFIG}', :tags), 'B')")
_ORDER = {"relevance": "rank DESC, s.thread_id DESC", "newest": "t.created_at DESC, t.id DESC",
          "votes": "t.score DESC, t.id DESC"}
# The query as an InitPlan: the planner, not knowing its words, estimates a few matches and
# reads the GIN index; knowing that a common word matches half the threads it would scan the
# table instead, detoasting every thread's tsvector to test it (50 ms at 100k threads).
_Q = f"(SELECT websearch_to_tsquery('{CONFIG}', :q))"
_ANY = f"(SELECT websearch_to_tsquery('{CONFIG}', :any))"
_RANK = f"ts_rank_cd(s.tsv, {_Q})"
RANK_DEPTH = 300  # matches ranked at most per tier of a broad query (see _best)
COUNT_CAP = 1000  # a total beyond this is reported as this: counting reads every match
# Characters of question + answers that ts_headline reads per hit: it parses all of them, and
# the question (about 900 characters at 150 words) comes first.
HEADLINE_SOURCE = 1500
_HEADLINE = ("'StartSel=' || chr(2) || ', StopSel=' || chr(3) || ', MaxFragments=1, "
             "MaxWords=30, MinWords=12, FragmentDelimiter=\" … \"'")


def insert(docs) -> None:
    db.session.execute(text(f"INSERT INTO search_fts (thread_id, title, question, answers, tags, "
                            f"tsv, head) VALUES (:id, :title, :question, :answers, :tags, "
                            f"{_VECTOR}, {_HEAD})"),
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
    source = "search_fts s JOIN threads t ON t.id = s.thread_id JOIN categories c ON " \
             "c.id = t.category_id"
    if words:
        params.update(q=_tsquery(words, ""), any=_tsquery(words, "or"))
        if len(where) == 1 and query.sort == "relevance":
            # No filter: the index never holds a deleted thread (its row goes in the deleting
            # transaction), so the threads table is not joined at all.
            source, where = "search_fts s", []
        where.insert(0, f"s.tsv @@ {_Q}")
    total = db.session.scalar(text(f"SELECT count(*) FROM (SELECT 1 FROM {source} WHERE "
                                   f"{' AND '.join(where)} LIMIT {COUNT_CAP}) found"), params)
    ranked = bool(words) and query.sort == "relevance"
    if not words:
        rows = _page(source, where, _ORDER["votes" if query.sort == "votes" else "newest"],
                     params)
    elif query.sort != "relevance" or query.offset + query.limit > RANK_DEPTH:
        rows = _page(source, where, _ORDER[query.sort], params, rank=_RANK)
    else:
        rows = _best(source, where, params, broad=total > RANK_DEPTH)
    snippets = _headlines([r.id for r in rows], params.get("q"))
    return [Hit(r.id, float(r.rank) if ranked else 0.0, snippets.get(r.id, ""))
            for r in rows], total


def _page(source: str, where: list[str], order: str, params: dict, rank: str = "0.0"):
    return db.session.execute(text(f"SELECT s.thread_id AS id, {rank} AS rank FROM {source} "
                                   f"WHERE {' AND '.join(where)} ORDER BY {order} "
                                   f"LIMIT :limit OFFSET :offset"), params).all()


def _best(source: str, where: list[str], params: dict, broad: bool):
    """The first pages by relevance, ranking at most RANK_DEPTH matches (ts_rank_cd reads each
    one's whole tsvector): all of them when there are no more; for a broad query the newest
    RANK_DEPTH whose title or tags hold a word (the weights that win the rank anyway), then,
    when those run out, the newest RANK_DEPTH matches of any column."""
    tiers = [f"s.head @@ {_ANY}", "true"] if broad else ["true"]
    found, wanted = [], params["offset"] + params["limit"]
    for tier in tiers:
        have = {r.id for r in found}
        found += [r for r in db.session.execute(text(
            f"SELECT id, {_RANK} AS rank FROM "
            f"(SELECT s.thread_id AS id, s.tsv FROM {source} WHERE {' AND '.join(where)} AND "
            f"{tier} ORDER BY s.thread_id DESC LIMIT {RANK_DEPTH}) s "
            f"ORDER BY rank DESC, id DESC LIMIT :wanted"),
            {**params, "wanted": wanted + len(have)})
            if r.id not in have]
        if len(found) >= wanted:
            break
    return found[params["offset"]:wanted]


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
# Bounded work however common the words, as a "common terms" query does: a lexeme in fewer than
# COMMON_DF threads picks candidate rows; the common ones only add to the score of those rows
# (their IDF is small anyway). When every lexeme is common, the rarest picks its newest
# COMMON_DF matches. Document frequencies are counted up to COMMON_DF; the thread count comes
# from the planner's statistics once the table is big enough for them to be kept.
COMMON_DF = 2000
_CANDIDATES = f"""
WITH terms AS (
    SELECT DISTINCT to_tsquery('simple', quote_literal(lexeme)) AS q
    FROM unnest(tsvector_to_array(to_tsvector('{CONFIG}', :text))) AS lexeme),
size AS (
    SELECT CASE WHEN c.reltuples >= 10000 THEN c.reltuples::float8
                ELSE (SELECT count(*) FROM search_fts)::float8 END AS n
    FROM pg_class c WHERE c.oid = 'search_fts'::regclass),
weighted AS (
    SELECT t.q, f.df, ln(1 + (size.n - f.df + 0.5) / (f.df + 0.5)) AS idf
    FROM terms t CROSS JOIN size
    CROSS JOIN LATERAL (SELECT count(*) AS df FROM (
        SELECT 1 FROM search_fts WHERE tsv @@ t.q LIMIT :common) m) f
    WHERE f.df > 0),
picking AS (
    SELECT q FROM weighted WHERE df < :common
    UNION ALL
    (SELECT q FROM weighted WHERE NOT EXISTS (SELECT 1 FROM weighted WHERE df < :common)
     ORDER BY df LIMIT 1)),
pool AS (
    SELECT DISTINCT m.thread_id FROM picking p CROSS JOIN LATERAL (
        SELECT thread_id FROM search_fts WHERE tsv @@ p.q
        ORDER BY thread_id DESC LIMIT :common) m)
SELECT s.thread_id AS id, sum(w.idf * ts_rank_cd(s.tsv, w.q)) AS rank
FROM pool JOIN search_fts s ON s.thread_id = pool.thread_id CROSS JOIN weighted w
WHERE s.tsv @@ w.q
GROUP BY s.thread_id ORDER BY rank DESC, s.thread_id LIMIT :limit"""


def candidates(words: list[str], limit: int) -> list[tuple[int, float]]:
    rows = db.session.execute(text(_CANDIDATES), {"text": " ".join(words), "limit": limit,
                                                  "common": COMMON_DF}).all()
    return [(r.id, float(r.rank)) for r in rows]


def frequency(word: str, cap: int = 1000) -> int:
    return db.session.scalar(text(
        f"SELECT count(*) FROM (SELECT 1 FROM search_fts s WHERE s.tsv @@ {_Q} LIMIT :cap) "
        f"found"), {"q": word, "cap": cap}) or 0
