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
_FROM = ("FROM search_fts JOIN threads t ON t.id = search_fts.rowid "
         "JOIN categories c ON c.id = t.category_id")
RANK_DEPTH = 2000  # matches ranked at most per tier of a broad query (see _broad)
# A bound on the rowids FTS5 walks: those of the newest RANK_DEPTH matches.
_NEWEST = ("search_fts.rowid >= (SELECT min(rowid) FROM (SELECT rowid FROM search_fts WHERE "
           f"search_fts MATCH :match ORDER BY rowid DESC LIMIT {RANK_DEPTH}))")
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
        rank, order = RANK, _ORDER.get(query.sort, _ORDER["relevance"])
    else:
        rank, order = "0.0", _ORDER["votes" if query.sort == "votes" else "newest"]
    total = _count(where, params, filtered=len(where) > 2 or not words)
    ranked = bool(words) and query.sort == "relevance"
    if ranked and total > RANK_DEPTH and query.offset + query.limit <= RANK_DEPTH:
        rows = _broad(words, where, params)
    else:
        rows = _page(rank, where, order, params)
    snippets = _snippets([r.id for r in rows], params.get("match"))
    return [Hit(r.id, -float(r.rank) if ranked else 0.0, snippets.get(r.id, "")) for r in rows], \
        total


def _page(rank: str, where: list[str], order: str, params: dict, extra: str = ""):
    # Nothing but the rank is computed per match: SQLite would compute snippet() for every
    # match before sorting them, so the snippets are read for the page's rows after.
    return db.session.execute(text(f"SELECT search_fts.rowid AS id, {rank} AS rank {_FROM} "
                                   f"WHERE {' AND '.join(where + [extra] if extra else where)} "
                                   f"ORDER BY {order} LIMIT :limit OFFSET :offset"),
                              params).all()


def _count(where: list[str], params: dict, filtered: bool) -> int:
    # The index never holds a deleted thread (its row goes in the deleting transaction), so
    # with no filter to check the matches are counted by FTS5 alone, without the join.
    if filtered:
        return db.session.scalar(text(f"SELECT count(*) {_FROM} WHERE {' AND '.join(where)}"),
                                 params)
    return db.session.scalar(text("SELECT count(*) FROM search_fts WHERE search_fts MATCH "
                                  ":match"), params)


def _broad(words: list[str], where: list[str], params: dict):
    """The first pages of a query matching more than RANK_DEPTH threads, in bounded work (bm25
    costs a lookup per ranked match): the newest RANK_DEPTH threads whose title or tags (the
    heavy columns, which win bm25 anyway) hold a word, ranked; after them, when they run out,
    the newest RANK_DEPTH matches of any column, ranked."""
    wanted = {**params, "offset": 0, "limit": params["offset"] + params["limit"]}
    heavy = f"({params['match']}) AND {{title tags}}: ({_match(words, ' OR ')})"
    found = _page(RANK, where, _ORDER["relevance"], {**wanted, "match": heavy}, _NEWEST)
    if len(found) < wanted["limit"]:
        have = {r.id for r in found}
        more = _page(RANK, where, _ORDER["relevance"],
                     {**wanted, "limit": wanted["limit"] + len(have)}, _NEWEST)
        found += [r for r in more if r.id not in have]
    return found[params["offset"]:wanted["limit"]]


def _snippets(ids: list[int], match: str | None) -> dict[int, str]:
    """Highlighted fragments for the page's rows only."""
    if not ids:
        return {}
    if match:
        columns = f"{_SNIPPET.format(col=1)} AS s1, {_SNIPPET.format(col=2)} AS s2"
        where = "search_fts MATCH :match AND rowid IN (SELECT value FROM json_each(:ids))"
    else:
        columns, where = "NULL AS s1, NULL AS s2", "rowid IN (SELECT value FROM json_each(:ids))"
    rows = db.session.execute(text(f"SELECT rowid AS id, {columns}, substr(question, 1, 400) "
                                   f"AS lead FROM search_fts WHERE {where}"),
                              {"ids": _json(ids), "match": match}).all()
    return {r.id: _snippet(r) for r in rows}


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
