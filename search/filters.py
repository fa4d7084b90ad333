"""The SQL of a search's filters (category, tag, status) over `threads t` joined to
`categories c`, shared by the SQLite and PostgreSQL engines; values are always bound."""
from search.backend import SearchQuery


def filter_sql(query: SearchQuery) -> tuple[list[str], dict]:
    where, params = ["t.is_deleted = false"], {}
    if query.category:
        where.append("c.slug = :category")
        params["category"] = query.category
    if query.tag:
        where.append("EXISTS (SELECT 1 FROM thread_tags tt JOIN tags g ON g.id = tt.tag_id "
                     "WHERE tt.thread_id = t.id AND g.name = :tag)")
        params["tag"] = query.tag.lower()
    if query.status == "unanswered":
        where.append("t.answer_count = 0")
    elif query.status:
        where.append("t.status = :status")
        params["status"] = query.status
    return where, params
