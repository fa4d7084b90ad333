"""Input cleaning: tags parsed in one pass and refused early when too many, text normalised
without letting combining marks stall it; every message names its field."""
import unicodedata
from collections import Counter

import pytest
from flask import Flask

from community.validation import MAX_RAW_TAGS, Errors, clean_body, clean_tags, clean_text


@pytest.fixture(autouse=True)
def limits():
    app = Flask(__name__)
    app.config.update(MAX_TAGS=5, BODY_MIN_LENGTH=10, BODY_MAX_LENGTH=30000)
    with app.app_context():
        yield


def _tags(value):
    errors = Errors()
    return clean_tags(errors, value), errors.fields


def test_tags_are_lower_case_unique_and_in_order():
    assert _tags(["Invoices", "address", "invoices", "Two Words"]) == (
        ["invoices", "address", "two-words"], {})
    assert _tags("billing, refunds billing,,  API") == (["billing", "refunds", "api"], {})
    assert _tags(None) == ([], {}) and _tags("") == ([], {}) and _tags([]) == ([], {})


def test_many_copies_of_a_few_tags_are_fine():
    assert _tags(["a", "b"] * (MAX_RAW_TAGS // 2)) == (["a", "b"], {})


def test_120000_tags_are_refused_before_any_is_parsed():
    for value in (["t"] * 120_000, [f"tag{i}" for i in range(120_000)],
                  ",".join(f"tag{i}" for i in range(120_000))):
        tags, fields = _tags(value)
        assert tags == []
        assert fields == {"tags": [f"at most 5 tags (more than {MAX_RAW_TAGS} were sent)"]}


def test_a_megabyte_of_separators_is_no_tags():
    assert _tags(", " * 500_000) == ([], {})


def test_too_many_distinct_tags_and_bad_tags_are_named():
    assert _tags(["a", "b", "c", "d", "e", "f"])[1] == {"tags": ["at most 5 tags"]}
    assert _tags(["<script>", "ok"]) == (["ok"], {
        "tags": ["'<script>' must be 1-35 letters, digits or + # . -"]})
    assert _tags("x" * 100)[1] == {
        "tags": [f"'{'x' * 40}' must be 1-35 letters, digits or + # . -"]}


@pytest.mark.parametrize("value", [5, {"a": 1}, ["ok", 5], ["ok", None], [["nested"]]])
def test_tags_that_are_not_strings_are_refused(value):
    assert _tags(value) == ([], {"tags": ["must be a list of strings"]})


def test_text_is_stripped_of_controls_and_stored_as_nfc():
    assert clean_text(" a\r\nb\x00c\x07\rd ") == "a\nbc\nd"
    assert clean_text("e\u0301") == "\u00e9"
    assert clean_text("  two \n words  ", single_line=True) == "two words"
    assert clean_text("\ud800ok") == "ok"


def test_a_few_combining_marks_are_normalised_as_unicode_says():
    text = "a\u0316\u0301 q\u0301\u0316\u0323 \u1e0b\u0323"
    assert clean_text(text) == unicodedata.normalize("NFC", text)


def test_a_long_run_of_combining_marks_gets_a_joiner_every_30_and_loses_nothing():
    marks = "\u0301" * 20_000 + "\u0316" * 20_000
    cleaned = clean_text("a" + marks)
    runs = cleaned[1:].split("\u034f")
    assert max(map(len, runs)) <= 31  # a run may also hold the composed first character
    decomposed = unicodedata.normalize("NFD", cleaned).replace("\u034f", "")
    assert Counter(decomposed) == Counter("a" + marks)
    assert unicodedata.is_normalized("NFC", cleaned)


def test_a_body_of_combining_marks_gets_the_length_error():
    errors = Errors()
    clean_body(errors, "x" + "\u0301\u0316" * 500_000)
    assert errors.fields["body"][0].startswith("must be at most 30000 characters")
