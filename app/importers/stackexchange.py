"""Read an official Stack Exchange dump (old or new schema, or only Posts.xml + PostLinks.xml) as
a stream, turn its rows into import rows, and hand them in batches to community.imports.

Users first, then questions, then answers (a second pass over Posts.xml, so memory holds only
the id maps), then duplicate links. Every row that is malformed or points at nothing is
skipped and counted, never a crash; every batch is its own transaction, so an interrupted run
is completed by running it again.
"""
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from slugify import slugify

from app.importers import reading
from app.importers.pipeline import in_child
from community import imports
from community.imports import ImportRun, LinkRow, Site

BATCH = 2000
PARALLEL_FROM = 8_000_000  # bytes of Posts.xml; below it a child process costs more than it saves
_SOURCE_LINE = re.compile(r"^\s*(?P<name>[^()\n]{2,100}?)\s*\((?P<host>[a-z0-9-]+(?:\.[a-z0-9-]+)+)\)",
                          re.I)
_HOST = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")
DUPLICATE = "3"


@dataclass
class ImportResult:
    site: Site
    counts: dict
    thread_ids: list[int] = field(default_factory=list)  # threads this run created
    run: ImportRun | None = None


def read_site(directory: Path, name: str | None = None, url: str | None = None) -> Site:
    """The site a dump comes from: --site-name/--site-url, else SOURCE.md's first line
    ("Beer Stack Exchange (beer.stackexchange.com) ..."), else the folder's name."""
    source = directory / "SOURCE.md"
    found = _SOURCE_LINE.match(source.read_text(errors="replace")) if source.is_file() else None
    folder = directory.resolve().name.lower()
    host = found.group("host").lower() if found else (
        folder if "." in folder else f"{folder.replace('_', '.')}.stackexchange.com")
    if url:
        host = re.sub(r"^https?://", "", url.strip().lower()).split("/")[0]
    if not _HOST.match(host):
        raise ValueError(f"not a site address: {host!r}")
    key = slugify(host.removesuffix(".stackexchange.com").removesuffix(".com"),
                  max_length=20) or "stackexchange"
    default = f"{key.replace('-', ' ').title()} Stack Exchange"
    name = (name or (found.group("name") if found else default)).strip()[:120]
    return Site(key=key, name=name, url=f"https://{host}")


def _batches(items: Iterator, size: int) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _import_users(run: ImportRun, directory: Path, batch: int) -> dict[str, str]:
    names: dict[str, str] = {}
    path = directory / "Users.xml"
    if not path.is_file():
        return names

    def users():
        for attrs in reading.rows(path):
            row = reading.user_row(attrs)
            if row is None:
                run.skip("user without a valid Id")
                continue
            names[row.external_id] = row.display_name
            yield row

    for chunk in _batches(users(), batch):
        imports.import_users(run, chunk)
    return names


def _import_posts(run: ImportRun, path: Path, kind: str, names: dict, batch: int,
                  progress, parallel: bool) -> None:
    args = (path, kind, names, batch, current_app.config["BODY_MAX_LENGTH"])
    source = in_child(reading.post_batches, *args) if parallel else reading.post_batches(*args)
    for rows, skipped, read in source:
        for reason, count in skipped.items():
            run.skip(reason, count)
        if rows:
            imports.import_posts(run, rows)
        if progress:
            progress(read)


def _import_links(run: ImportRun, directory: Path, batch: int) -> None:
    path = directory / "PostLinks.xml"
    if not path.is_file():
        return

    def rows():
        for attrs in reading.rows(path):
            source, target = (reading.parse_id(attrs.get("PostId")),
                              reading.parse_id(attrs.get("RelatedPostId")))
            if attrs.get("LinkTypeId") != DUPLICATE:
                run.counts["related links not imported (only duplicates are)"] += 1
            elif source is None or target is None:
                run.skip("duplicate link without valid ids")
            else:
                yield LinkRow(source, target)

    for chunk in _batches(rows(), batch):
        imports.import_links(run, chunk)


def posts_size(directory: Path) -> int:
    """What the progress bar counts: Posts.xml is read twice (questions, then answers)."""
    return 2 * (directory / "Posts.xml").stat().st_size


def import_dump(directory: Path, site_name: str | None = None, site_url: str | None = None,
                progress: Callable[[int], None] | None = None, batch: int = BATCH,
                parallel: bool | None = None) -> ImportResult:
    """Import the dump in `directory`; raises FileNotFoundError without Posts.xml and
    ET.ParseError for XML that is not well formed (what was read before stays, whole batches).
    Posts are read in a child process when `parallel` (by default, for dumps past 8 MB)."""
    directory = Path(directory)
    posts = directory / "Posts.xml"
    if not posts.is_file():
        raise FileNotFoundError(f"{posts} is missing: a dump has at least Posts.xml")
    run = imports.begin_import(read_site(directory, site_name, site_url))
    names = _import_users(run, directory, batch)
    if not (directory / "Users.xml").is_file():
        run.counts["no Users.xml: authors are placeholders"] = 1
    if parallel is None:
        parallel = posts.stat().st_size > PARALLEL_FROM
    for kind in ("question", "answer"):
        _import_posts(run, posts, kind, names, batch, progress, parallel)
    _import_links(run, directory, batch)
    counts = imports.finish_import(run)
    return ImportResult(run.site, counts, list(run.new_thread_ids), run)
