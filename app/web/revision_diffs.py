"""A post's history as diffs: each revision against the one before it (title, tags, body),
bounded so that a huge post cannot make the history page slow."""
from dataclasses import dataclass, field
from difflib import SequenceMatcher

MAX_CHARS = 20_000  # of each body compared
MAX_LINES = 400
CONTEXT = 2  # unchanged lines shown around a change


@dataclass
class Line:
    kind: str  # "same", "add", "del" or "gap" (unchanged lines left out)
    text: str


@dataclass
class Entry:
    """One revision as the history page shows it."""

    revision: object
    first: bool  # the original post: shown whole, not as a diff
    tags: list[str] = field(default_factory=list)
    title_before: str | None = None  # set when the title changed
    tags_added: list[str] = field(default_factory=list)
    tags_removed: list[str] = field(default_factory=list)
    body: list[Line] = field(default_factory=list)
    truncated: bool = False

    @property
    def title_changed(self) -> bool:
        return self.title_before is not None


def history(revisions, previous=None) -> list[Entry]:
    """Entries for `revisions` (oldest first); `previous` is the revision before the first one."""
    entries, prev = [], previous
    prev_tags = _tags(previous, None) if previous is not None else None
    for rev in revisions:
        tags = _tags(rev, prev_tags)
        entries.append(_entry(rev, prev, tags or [], prev_tags or []))
        prev, prev_tags = rev, tags
    return entries


def _tags(rev, carried: list[str] | None) -> list[str] | None:
    # Revisions made before tags were recorded (or by a body-only edit) keep the earlier tags.
    return rev.tags.split() if rev.tags is not None else carried


def _entry(rev, prev, tags: list[str], prev_tags: list[str]) -> Entry:
    if prev is None:
        return Entry(rev, first=True, tags=tags)
    entry = Entry(rev, first=False, tags=tags)
    if rev.title and prev.title and rev.title != prev.title:
        entry.title_before = prev.title
    entry.tags_added = [t for t in tags if t not in prev_tags]
    entry.tags_removed = [t for t in prev_tags if t not in tags]
    entry.body, entry.truncated = body_diff(prev.body, rev.body)
    return entry


def body_diff(old: str, new: str) -> tuple[list[Line], bool]:
    """Changed lines with a little context; ([], False) when the bodies are equal."""
    if old == new:
        return [], False
    a, cut_a = _bounded(old)
    b, cut_b = _bounded(new)
    lines: list[Line] = []
    for group in SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(CONTEXT):
        if lines:
            lines.append(Line("gap", "…"))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines += [Line("same", text) for text in a[i1:i2]]
                continue
            lines += [Line("del", text) for text in a[i1:i2]]
            lines += [Line("add", text) for text in b[j1:j2]]
    return lines, cut_a or cut_b


def _bounded(text: str) -> tuple[list[str], bool]:
    lines = text[:MAX_CHARS].splitlines()
    return lines[:MAX_LINES], len(text) > MAX_CHARS or len(lines) > MAX_LINES
