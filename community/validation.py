"""Input cleaning and field checks shared by every service; errors name the field.
Every function here is linear in its input: it runs on request data before any length check."""
import functools
import itertools
import re
import unicodedata

from flask import current_app
from slugify import slugify

from core.errors import ValidationFailed

# Control characters other than tab and newline never belong in user text (PostgreSQL refuses NUL).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Bidi embeddings, overrides and isolates (LRE RLE PDF LRO RLO, LRI RLI FSI PDI): in a one-line
# field (title, name, tag) they reverse what follows them, so "exe.txt" could show as "txt.exe".
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_TAG = re.compile(r"^[a-z0-9][a-z0-9+#.-]{0,34}$")
USERNAME = re.compile(r"^[A-Za-z0-9_.-]{3,30}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
# A request may name at most this many tags at once, however many are duplicates.
MAX_RAW_TAGS = 50
_TAG_ITEM = re.compile(r"[^,\s]+")
# Unicode's Stream-Safe Text Format (UAX #15): after 30 non-starters in a row, a combining
# grapheme joiner; NFC reorders each run of combining marks with a quadratic sort.
_STREAM_SAFE_RUN = 30
_GRAPHEME_JOINER = "\u034f"
_LAST_NON_STARTER = 0x1E94A  # Unicode 15: no combining mark lies above this


@functools.cache
def _long_combining_runs() -> re.Pattern:
    """Runs of more than 30 characters that are, or decompose to, combining marks."""
    def leads_with_mark(char: str) -> bool:
        if unicodedata.combining(char):
            return True
        decomposition = unicodedata.decomposition(char)
        return bool(decomposition) and not decomposition.startswith("<") and bool(
            unicodedata.combining(chr(int(decomposition.split()[0], 16))))
    marks = "".join(re.escape(chr(c)) for c in range(0x300, _LAST_NON_STARTER + 1)
                    if leads_with_mark(chr(c)))
    return re.compile(f"[{marks}]{{{_STREAM_SAFE_RUN + 1},}}")


def _stream_safe(value: str) -> str:
    def split(run: re.Match) -> str:
        text = run.group()
        return _GRAPHEME_JOINER.join(text[i:i + _STREAM_SAFE_RUN]
                                     for i in range(0, len(text), _STREAM_SAFE_RUN))
    return _long_combining_runs().sub(split, value)


def clean_text(value, *, single_line: bool = False) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        value = str(value)
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _CONTROL.sub("", value)
    # Lone surrogates cannot be encoded for storage; drop them rather than fail.
    value = value.encode("utf-8", "ignore").decode("utf-8")
    # Store what was measured: NFC, so a length check and the column agree on PostgreSQL.
    value = unicodedata.normalize("NFC", _stream_safe(value))
    if single_line:
        value = " ".join(BIDI_CONTROLS.sub("", value).split())
    return value.strip()


class Errors:
    """Collects messages per field and raises them together."""

    def __init__(self):
        self.fields: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.fields.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self.fields:
            raise ValidationFailed(self.fields)


def check_length(errors: Errors, field: str, value: str, min_key: str, max_key: str) -> None:
    low, high = current_app.config[min_key], current_app.config[max_key]
    visible = len(value)
    if visible < low:
        errors.add(field, f"must be at least {low} characters" if value else "is required")
    elif visible > high:
        errors.add(field, f"must be at most {high} characters (it has {visible})")


def _string(errors: Errors, field: str, value) -> str | None:
    if value is not None and not isinstance(value, str):
        errors.add(field, "must be a string")
        return ""
    return value


def clean_title(errors: Errors, value) -> str:
    value = _string(errors, "title", value)
    if value == "" and "title" in errors.fields:
        return ""
    title = clean_text(value, single_line=True)
    check_length(errors, "title", title, "TITLE_MIN_LENGTH", "TITLE_MAX_LENGTH")
    return title


def clean_body(errors: Errors, value) -> str:
    value = _string(errors, "body", value)
    if value == "" and "body" in errors.fields:
        return ""
    body = clean_text(value)
    check_length(errors, "body", body, "BODY_MIN_LENGTH", "BODY_MAX_LENGTH")
    return body


def _raw_tags(errors: Errors, value) -> list[str] | None:
    """The submitted tags as strings, refused whole when they are not strings or too many."""
    if isinstance(value, str):
        # Lazily, so a megabyte of commas costs no more than the 51 items needed to refuse it.
        value = [m.group() for m in itertools.islice(_TAG_ITEM.finditer(value), MAX_RAW_TAGS + 1)]
    if not isinstance(value, (list, tuple)) or not all(isinstance(raw, str) for raw in value):
        errors.add("tags", "must be a list of strings")
        return None
    if len(value) > MAX_RAW_TAGS:
        errors.add("tags", f"at most {current_app.config['MAX_TAGS']} tags "
                           f"(more than {MAX_RAW_TAGS} were sent)")
        return None
    return value


def clean_tags(errors: Errors, value) -> list[str]:
    """Tags arrive as a list or a comma/space separated string; stored lower-case, unique, ordered."""
    if value is None:
        return []
    raw_tags = _raw_tags(errors, value)
    if raw_tags is None:
        return []
    tags: list[str] = []
    seen: set[str] = set()
    for raw in raw_tags:
        tag = clean_text(raw, single_line=True).lower().replace(" ", "-")
        if not tag:
            continue
        if not _TAG.match(tag):
            errors.add("tags", f"'{tag[:40]}' must be 1-35 letters, digits or + # . -")
        elif tag not in seen:
            seen.add(tag)
            tags.append(tag)
    if len(tags) > current_app.config["MAX_TAGS"]:
        errors.add("tags", f"at most {current_app.config['MAX_TAGS']} tags")
    return tags


def is_valid_tag(tag: str) -> bool:
    """The tag rule clean_tags applies: 1-35 lower-case letters, digits or + # . -"""
    return bool(_TAG.match(tag))


def make_slug(text: str, fallback: str = "thread", max_length: int = 80) -> str:
    return slugify(text, max_length=max_length, word_boundary=True) or fallback
