"""The database backend's ordinary tables: one fingerprint row per indexed thread and the
vocabulary behind "did you mean". Also the search analytics signals. The engine's own table
(`search_fts`: an FTS5 virtual table on SQLite, a tsvector table on PostgreSQL) is made by the
migration and kept out of the models, since the two dialects' objects differ (see search.database_backend)."""
from datetime import date

from sqlalchemy import Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.database import db


class SearchDocument(db.Model):
    __tablename__ = "search_documents"

    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"),
                                           primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(32))


class SearchWord(db.Model):
    """A word seen in indexed text (lowercase, as written): candidates for "did you mean"."""

    __tablename__ = "search_words"

    word: Mapped[str] = mapped_column(String(32), primary_key=True)


def compared_with_models(name, type_, parent_names) -> bool:
    """include_name hook for schema comparisons: False for the full-text engine's own objects
    (`search_fts`, FTS5's shadow tables `search_fts_*`), which no model describes."""
    return not (type_ == "table" and name and name.startswith("search_fts"))


class SearchSignal(db.Model):
    """One visitor's search, zero-result search, result click, solved-result click, helpful mark
    or question asked, once per (day, kind, visitor, thread, query): counts are of distinct
    visitors, so one client repeating itself counts once (search.analytics). `visitor` is a
    keyed digest of the account or client address and the day, never the address itself."""

    __tablename__ = "search_signals"
    __table_args__ = (Index("ix_search_signals_kind_day", "kind", "day"),)

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(1), primary_key=True)
    visitor: Mapped[str] = mapped_column(String(16), primary_key=True)
    thread_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # 0: none
    query: Mapped[str] = mapped_column(String(100), primary_key=True)  # "": none
