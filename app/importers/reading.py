"""Reading a Stack Exchange dump: rows streamed from its XML files (elements cleared as read)
and turned into import rows. Pure functions of the files, so the post pass can run in a child
process while the parent writes (see app.importers.pipeline)."""
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, UTC
from pathlib import Path

from app.importers.html_text import cut_body
from community.imports import PostRow, UserRow
from community.imports.content import MAX_RAW_TAGS

_ID = re.compile(r"^-?\d{1,10}$")
_NUMBER = re.compile(r"^-?\d{1,12}$")
_TAG_PARTS = re.compile(r"[^<>|]+")
_LICENSE = re.compile(r"^[A-Za-z0-9 .-]{1,40}$")
KINDS = {"1": "question", "2": "answer"}


_CHUNK = 64 * 1024
_CHUNK_MAX = 64 * 1024 * 1024


def rows(path: Path, progress: Callable[[int], None] | None = None) -> Iterator[dict]:
    """The attributes of each <row>, streamed; elements are dropped as they are read.

    Expat (2.5, as bundled) scans an unfinished token again from its start on every feed, so
    fixed 16 KB feeds made one 50 MB attribute quadratic (329 s). The next feed doubles while
    a feed yields no row, so a big value is scanned a bounded number of times: linear."""
    parser = ET.XMLPullParser(events=("start", "end"))
    root, size = None, _CHUNK
    with open(path, "rb") as raw:
        while data := raw.read(size):
            if progress:
                progress(len(data))
            parser.feed(data)
            found = False
            for event, element in parser.read_events():
                if event == "start":
                    root = element if root is None else root
                    continue
                found = True
                if element.tag == "row":
                    yield dict(element.attrib)
                if root is not None and element is not root:
                    root.clear()  # the rows read so far: no tree grows over the file
            size = _CHUNK if found else min(size * 2, _CHUNK_MAX)
        parser.close()  # ET.ParseError for a file that ends mid-element
        for event, element in parser.read_events():
            if event == "end" and element.tag == "row":
                yield dict(element.attrib)


def _time(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value).replace(tzinfo=UTC) if value else None
    except ValueError:
        return None


def _int(value: str | None, default: int = 0) -> int:
    return int(value) if value and _NUMBER.match(value) else default


def parse_id(value: str | None) -> str | None:
    return str(int(value)) if value and _ID.match(value.strip()) else None


def user_row(attrs: dict) -> UserRow | None:
    external_id = parse_id(attrs.get("Id"))
    if external_id is None:
        return None
    return UserRow(external_id, attrs.get("DisplayName") or "", _int(attrs.get("Reputation"), 1),
                   _time(attrs.get("CreationDate")))


def post_row(attrs: dict, names: dict[str, str], body_max: int | None = None) -> PostRow | str:
    """An import row, or the reason the row is skipped; a body past `body_max` characters is
    cut (with a note saying so)."""
    external_id, kind = parse_id(attrs.get("Id")), KINDS.get(attrs.get("PostTypeId", ""))
    if external_id is None:
        return "post without a valid Id"
    if kind is None:
        return "other post types (tag wikis, excerpts, ...)"
    text, html, cut_from = cut_body(attrs.get("Body") or "", body_max)
    owner = parse_id(attrs.get("OwnerUserId"))
    row = PostRow(external_id, kind, text, html, _int(attrs.get("Score")),
                  _time(attrs.get("CreationDate")), _time(attrs.get("LastEditDate")),
                  _time(attrs.get("LastActivityDate")), owner,
                  names.get(owner) or attrs.get("OwnerDisplayName"), _license(attrs.get("ContentLicense")))
    row.cut_from = cut_from
    if kind == "question":
        row.title = attrs.get("Title") or ""
        row.tags = _TAG_PARTS.findall(attrs.get("Tags") or "")[:MAX_RAW_TAGS]
        row.view_count = _int(attrs.get("ViewCount"))
        row.accepted_id = parse_id(attrs.get("AcceptedAnswerId"))
    else:
        row.parent_id = parse_id(attrs.get("ParentId"))
    return row


def _license(value: str | None) -> str | None:
    return value.strip() if value and _LICENSE.match(value.strip()) else None


def post_batches(path: Path, kind: str, names: dict[str, str], size: int,
                 body_max: int | None = None) -> Iterator[tuple[list[PostRow], Counter, int]]:
    """(rows, skipped by reason, bytes read) for each batch of one kind of post; the rows of
    other PostTypeIds are counted on the question pass only."""
    read, skipped, batch = [0], Counter(), []

    def count(n: int) -> None:
        read[0] += n

    for attrs in rows(path, count):
        type_ = attrs.get("PostTypeId")
        if KINDS.get(type_, "question") != kind:
            continue
        row = post_row(attrs, names, body_max)
        if isinstance(row, str):
            skipped[row] += 1
        elif row.kind == kind:
            batch.append(row)
        if len(batch) >= size:
            yield batch, skipped, read[0]
            read[0], skipped, batch = 0, Counter(), []
    yield batch, skipped, read[0]
