"""An import run: the source site, the rows a reader hands in, and the id maps that make every
batch idempotent (loaded from `import_sources` when the run begins, kept up to date after)."""
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import insert, select

from community import events
from community.imports.bulk import allocate_ids, insert_rows
from community.models import Category, ImportSource
from core.database import db
from core.transactions import transactional


@dataclass(frozen=True)
class Site:
    """Where a dump comes from: `key` names it in import_sources, emails and its category slug."""

    key: str                  # "beer"
    name: str                 # "Beer Stack Exchange"
    url: str                  # "https://beer.stackexchange.com"
    license: str = "CC BY-SA 3.0"  # for rows that name none (the older dump schema)


@dataclass
class UserRow:
    external_id: str
    display_name: str
    reputation: int = 1
    created_at: datetime | None = None


@dataclass
class PostRow:
    """A question (title, tags, accepted_id) or an answer (parent_id); bodies already sanitised."""

    external_id: str
    kind: str                       # "question" or "answer"
    body: str                       # Markdown-ish text, the source an edit starts from
    body_html: str                  # sanitised HTML, what pages print
    score: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None
    last_activity_at: datetime | None = None
    owner_id: str | None = None     # the source's user id; None when deleted or absent
    owner_name: str | None = None   # the author's display name, for the credit line
    license: str | None = None
    title: str = ""
    tags: list[str] = field(default_factory=list)
    view_count: int = 0
    accepted_id: str | None = None
    parent_id: str | None = None
    cut_from: int | None = None     # the body's original length when it was cut to the limit


@dataclass
class LinkRow:
    """A duplicate link: question `external_id` duplicates question `target_id`."""

    external_id: str
    target_id: str


@dataclass
class ImportRun:
    site: Site
    category_id: int
    users: dict[str, int] = field(default_factory=dict)         # user external id → users.id
    placeholders: dict[str, int] = field(default_factory=dict)  # display name → users.id
    threads: dict[str, int] = field(default_factory=dict)       # question id → threads.id
    posts: dict[str, int] = field(default_factory=dict)         # post id → posts.id
    accepts: dict[str, str] = field(default_factory=dict)       # answer id → its question id
    tag_ids: dict[str, int] = field(default_factory=dict)
    new_thread_ids: list[int] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)

    def skip(self, reason: str, n: int = 1) -> None:
        self.counts[f"skipped: {reason}"] += n


_MAPS = {"user": "users", "placeholder": "placeholders", "thread": "threads", "post": "posts"}


@transactional
def begin_import(site: Site) -> ImportRun:
    """The site's category (created if missing) and what earlier runs already brought in."""
    category_id = db.session.scalar(select(Category.id).where(Category.slug == site.key))
    if category_id is None:
        category_id = db.session.execute(
            insert(Category.__table__).values(slug=site.key, name=site.name[:80],
                                              description=f"Imported from {site.url}")
            .returning(Category.__table__.c.id)).scalar_one()
        events.emit(events.CATEGORY_CREATED, category_id=category_id, slug=site.key)
    run = ImportRun(site, category_id)
    rows = db.session.execute(select(ImportSource.kind, ImportSource.external_id,
                                     ImportSource.local_id)
                              .where(ImportSource.site == site.key))
    for kind, external_id, local_id in rows:
        getattr(run, _MAPS[kind])[external_id] = local_id
    return run


def record_sources(run: ImportRun, kind: str, pairs: list[tuple[str, int]]) -> None:
    """Write the mapping rows (in the caller's transaction) and remember them."""
    if not pairs:
        return
    table = ImportSource.__table__
    insert_rows(table, [{"id": i, "site": run.site.key, "kind": kind, "external_id": ext,
                         "local_id": local}
                        for i, (ext, local) in zip(allocate_ids(table, len(pairs)), pairs)])
    getattr(run, _MAPS[kind]).update(pairs)


@transactional
def finish_import(run: ImportRun) -> dict:
    """Count what never resolved (accepted answers absent from the dump) and log the run."""
    if run.accepts:
        run.skip("accepted answer absent from the dump", len(run.accepts))
        run.accepts.clear()
    counts = dict(sorted(run.counts.items()))
    events.emit(events.IMPORT_FINISHED, site=run.site.key, counts=counts)
    return counts
