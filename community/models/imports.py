"""Where imported rows came from: (site, kind, external id) → local id, so an import run can be
repeated, or resumed after an interruption, without creating anything twice."""
from sqlalchemy import Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.database import db

# kinds: "user", "placeholder" (an absent author, keyed by display name), "thread" and "post"
# (a question maps to both), keyed by the source's own ids.
IMPORT_KINDS = ("user", "placeholder", "thread", "post")


class ImportSource(db.Model):
    __tablename__ = "import_sources"
    __table_args__ = (UniqueConstraint("site", "kind", "external_id",
                                       name="uq_import_sources_site_kind_external"),
                      Index("ix_import_sources_kind_local", "kind", "local_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(120))
    # A users, threads or posts id depending on kind: a plain integer, not a foreign key.
    local_id: Mapped[int] = mapped_column(Integer)
