"""Reading a Stack Exchange dump: rows streamed from its XML files (elements cleared as read)
and turned into import rows. Pure functions of the files, so the post pass can run in a child
process while the parent writes (see app.importers.pipeline)."""
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path

from app.importers.html_text import to_html, to_text
from community.imports import PostRow, UserRow
from community.imports.content import MAX_RAW_TAGS

_ID = re.compile(r"^-?\d{1,10}$")
_NUMBER = re.compile(r"^-?\d{1,12}$")
_TAG_PARTS = re.compile(r"[^<>|]+")
_LICENSE = re.compile(r"^[A-Za-z0-9 .-]{1,40}$")
KINDS = {"1": "question", "2": "answer"}


def rows(path: Path, progress: Callable[[int], None] | None = None) -> Iterator[dict]:
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


def parse_id(value: str | None) -> str | None:
    return str(int(value)) if value and _ID.match(value.strip()) else None


def user_row(attrs: dict) -> UserRow | None:
    external_id = parse_id(attrs.get("Id"))
    if external_id is None:
        return None
    return UserRow(external_id, attrs.get("DisplayName") or "", _int(attrs.get("Reputation"), 1),
                   _time(attrs.get("CreationDate")))


def post_row(attrs: dict, names: dict[str, str]) -> PostRow | str:
    """An import row, or the reason the row is skipped."""
    external_id, kind = parse_id(attrs.get("Id")), KINDS.get(attrs.get("PostTypeId", ""))
    if external_id is None:
        return "post without a valid Id"
    if kind is None:
        return "other post types (tag wikis, excerpts, ...)"
    body = attrs.get("Body") or ""
    owner = parse_id(attrs.get("OwnerUserId"))
    row = PostRow(external_id, kind, to_text(body), to_html(body), _int(attrs.get("Score")),
                  _time(attrs.get("CreationDate")), _time(attrs.get("LastEditDate")),
                  _time(attrs.get("LastActivityDate")), owner,
                  names.get(owner) or attrs.get("OwnerDisplayName"), _license(attrs.get("ContentLicense")))
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


def post_batches(path: Path, kind: str, names: dict[str, str],
                 size: int) -> Iterator[tuple[list[PostRow], Counter, int]]:
    """(rows, skipped by reason, bytes read) for each batch of one kind of post; the rows of
    other PostTypeIds are counted on the question pass only."""
    read, skipped, batch = [0], Counter(), []

    def count(n: int) -> None:
        read[0] += n

    for attrs in rows(path, count):
        type_ = attrs.get("PostTypeId")
        if KINDS.get(type_, "question") != kind:
            continue
        row = post_row(attrs, names)
        if isinstance(row, str):
            skipped[row] += 1
        elif row.kind == kind:
            batch.append(row)
        if len(batch) >= size:
            yield batch, skipped, read[0]
            read[0], skipped, batch = 0, Counter(), []
    yield batch, skipped, read[0]
