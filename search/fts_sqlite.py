"""SQLite FTS5 for the database backend: `search_fts` (rowid = thread id), bm25 with column
weights, snippet() with control-character markers turned into safe <mark> HTML."""
from sqlalchemy import text

from core.database import db
from search.backend import Hit, SearchQuery
from search.filters import filter_sql
from search.snippets import END, START, lead, marked

# bm25 weights of title, question, answers, tags.
RANK = "bm25(search_fts, 10.0, 1.0, 0.7, 3.0)"
_ORDER = {"relevance": "rank, t.id DESC", "newest": "t.created_at DESC, t.id DESC",
          "votes": "t.score DESC, t.id DESC"}
_SNIPPET = "snippet(search_fts, {col}, char(2), char(3), '…', 24)"


def _match(words: list[str], joiner: str = " ") -> str:
    # Each word quoted as an FTS5 string (words hold no quotes): no query syntax reaches FTS5.
    return joiner.join(f'"{w}"' for w in words)


def insert(docs) -> None:
    db.session.execute(text("INSERT INTO search_fts (rowid, title, question, answers, tags) "
                            "VALUES (:id, :title, :question, :answers, :tags)"),
                       [{"id": d.thread_id, "title": d.title, "question": d.question,
                         "answers": d.answers, "tags": " ".join(d.tags)} for d in docs])


def delete(ids) -> None:
    db.session.execute(text("DELETE FROM search_fts WHERE rowid IN (SELECT value FROM "
                            "json_each(:ids))"), {"ids": _json(ids)})


def clear() -> None:
    db.session.execute(text("DELETE FROM search_fts"))


def _json(ids) -> str:
    return "[" + ",".join(str(int(i)) for i in ids) + "]"


def search(words: list[str], query: SearchQuery) -> tuple[list[Hit], int]:
    where, params = filter_sql(query)
    params.update(limit=query.limit, offset=query.offset)
    if words:
        params["match"] = _match(words)
        where.insert(0, "search_fts MATCH :match")
        columns = (f"{RANK} AS rank, {_SNIPPET.format(col=1)} AS s1, "
                   f"{_SNIPPET.format(col=2)} AS s2")
        order = _ORDER.get(query.sort, _ORDER["relevance"])
    else:
        columns = "0.0 AS rank, NULL AS s1, NULL AS s2"
        order = _ORDER["votes" if query.sort == "votes" else "newest"]
    body = (f"FROM search_fts JOIN threads t ON t.id = search_fts.rowid "
            f"JOIN categories c ON c.id = t.category_id WHERE {' AND '.join(where)}")
    rows = db.session.execute(text(f"SELECT search_fts.rowid AS id, {columns}, "
                                   f"substr(search_fts.question, 1, 400) AS lead "
                                   f"{body} ORDER BY {order} LIMIT :limit OFFSET :offset"),
                              params).all()
    total = db.session.scalar(text(f"SELECT count(*) {body}"), params)
    ranked = bool(words) and query.sort == "relevance"
    return [Hit(r.id, -float(r.rank) if ranked else 0.0, _snippet(r)) for r in rows], total


def _snippet(row) -> str:
    for found in (row.s1, row.s2):
        if found and START in found and END in found:
            return marked(found)
    return lead(row.lead or "")


def candidates(words: list[str], limit: int) -> list[tuple[int, float]]:
    rows = db.session.execute(text(f"SELECT rowid, {RANK} AS rank FROM search_fts "
                                   f"WHERE search_fts MATCH :match ORDER BY rank LIMIT :limit"),
                              {"match": _match(words, " OR "), "limit": limit}).all()
    return [(r.rowid, -float(r.rank)) for r in rows]


def frequency(word: str, cap: int = 1000) -> int:
    """How many indexed threads use `word` (counted up to `cap`)."""
    return db.session.scalar(text("SELECT count(*) FROM (SELECT 1 FROM search_fts WHERE "
                                  "search_fts MATCH :match LIMIT :cap)"),
                             {"match": _match([word]), "cap": cap}) or 0
