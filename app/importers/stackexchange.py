"""Read an official Stack Exchange dump (old or new schema, or only Posts.xml + PostLinks.xml) as
a stream, turn its rows into import rows, and hand them in batches to community.imports.

Users first, then questions, then answers (a second pass over Posts.xml, so memory holds only
the id maps), then duplicate links. Every row that is malformed or points at nothing is
skipped and counted, never a crash; every batch is its own transaction, so an interrupted run
is completed by running it again.
"""
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from slugify import slugify

from app.importers.html_text import to_html, to_text
from community import imports
from community.imports import ImportRun, LinkRow, PostRow, Site, UserRow
from community.imports.content import MAX_RAW_TAGS

BATCH = 2000
_ID = re.compile(r"^-?\d{1,10}$")
_NUMBER = re.compile(r"^-?\d{1,12}$")
_TAG_PARTS = re.compile(r"[^<>|]+")
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


def _rows(path: Path, progress: Callable[[int], None] | None) -> Iterator[dict]:
    """The attributes of each <row>, streamed; elements are cleared as they are read."""
    with open(path, "rb") as raw:
        stream = _Counting(raw, progress)
        for _, element in ET.iterparse(stream, events=("end",)):
            if element.tag == "row":
                yield dict(element.attrib)
            element.clear()


class _Counting:
    """A file wrapper that reports the bytes read (the progress bar follows Posts.xml)."""

    def __init__(self, raw, progress):
        self.raw, self.progress = raw, progress

    def read(self, size=-1):
        data = self.raw.read(size)
        if self.progress and data:
            self.progress(len(data))
        return data


def _time(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value).replace(tzinfo=timezone.utc) if value else None
    except ValueError:
        return None


def _int(value: str | None, default: int = 0) -> int:
    return int(value) if value and _NUMBER.match(value) else default


def _id(value: str | None) -> str | None:
    return str(int(value)) if value and _ID.match(value.strip()) else None


def user_row(attrs: dict) -> UserRow | None:
    external_id = _id(attrs.get("Id"))
    if external_id is None:
        return None
    return UserRow(external_id, attrs.get("DisplayName") or "", _int(attrs.get("Reputation"), 1),
                   _time(attrs.get("CreationDate")))


def post_row(attrs: dict, names: dict[str, str]) -> PostRow | str:
    """An import row, or the reason the row is skipped."""
    external_id, kind = _id(attrs.get("Id")), {"1": "question", "2": "answer"}.get(
        attrs.get("PostTypeId", ""))
    if external_id is None:
        return "post without a valid Id"
    if kind is None:
        return "other post types (tag wikis, excerpts, ...)"
    body = attrs.get("Body") or ""
    owner = _id(attrs.get("OwnerUserId"))
    row = PostRow(external_id, kind, to_text(body), to_html(body), _int(attrs.get("Score")),
                  _time(attrs.get("CreationDate")), _time(attrs.get("LastEditDate")),
                  _time(attrs.get("LastActivityDate")), owner,
                  names.get(owner) or attrs.get("OwnerDisplayName"), attrs.get("ContentLicense"))
    if kind == "question":
        row.title = attrs.get("Title") or ""
        row.tags = _TAG_PARTS.findall(attrs.get("Tags") or "")[:MAX_RAW_TAGS]
        row.view_count = _int(attrs.get("ViewCount"))
        row.accepted_id = _id(attrs.get("AcceptedAnswerId"))
    else:
        row.parent_id = _id(attrs.get("ParentId"))
    return row


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

    def rows():
        for attrs in _rows(path, None):
            row = user_row(attrs)
            if row is None:
                run.skip("user without a valid Id")
                continue
            names[row.external_id] = row.display_name
            yield row

    for chunk in _batches(rows(), batch):
        imports.import_users(run, chunk)
    return names


def _import_posts(run: ImportRun, path: Path, kind: str, names: dict, batch: int,
                  progress) -> None:
    def rows():
        for attrs in _rows(path, progress):
            if attrs.get("PostTypeId") not in ("1", "2"):  # counted once, on the first pass
                if kind == "question":
                    run.skip(post_row(attrs, names))  # the reason
                continue
            if (attrs["PostTypeId"] == "1") != (kind == "question"):
                continue
            row = post_row(attrs, names)
            if isinstance(row, str):
                run.skip(row)
            else:
                yield row

    for chunk in _batches(rows(), batch):
        imports.import_posts(run, chunk)


def _import_links(run: ImportRun, directory: Path, batch: int) -> None:
    path = directory / "PostLinks.xml"
    if not path.is_file():
        return

    def rows():
        for attrs in _rows(path, None):
            source, target = _id(attrs.get("PostId")), _id(attrs.get("RelatedPostId"))
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
                progress: Callable[[int], None] | None = None,
                batch: int = BATCH) -> ImportResult:
    """Import the dump in `directory`; raises FileNotFoundError without Posts.xml and
    ET.ParseError for XML that is not well formed (what was read before stays, whole batches)."""
    directory = Path(directory)
    posts = directory / "Posts.xml"
    if not posts.is_file():
        raise FileNotFoundError(f"{posts} is missing: a dump has at least Posts.xml")
    run = imports.begin_import(read_site(directory, site_name, site_url))
    names = _import_users(run, directory, batch)
    if not (directory / "Users.xml").is_file():
        run.counts["no Users.xml: authors are placeholders"] = 1
    _import_posts(run, posts, "question", names, batch, progress)
    _import_posts(run, posts, "answer", names, batch, progress)
    _import_links(run, directory, batch)
    counts = imports.finish_import(run)
    return ImportResult(run.site, counts, list(run.new_thread_ids), run)
