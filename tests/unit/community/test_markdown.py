"""Markdown rendering and sanitising rules, pathological bodies, and a renderer that stays correct
after any failure (the sweep over real payload lists is functional; timings live in bench/)."""
import functools
import re
import sys
import types
from concurrent.futures import ThreadPoolExecutor

import pytest
from bs4 import BeautifulSoup

from community import markdown
from community.markdown import MAX_NESTING, render

BODY_LIMIT = 30_000


def _soup(text):
    return BeautifulSoup(render(text), "html.parser")


def test_fenced_code_tables_and_autolinks():
    soup = _soup("```python\nprint('<b>')\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nsee https://example.com/x")
    assert soup.find("code")["class"] == ["language-python"]
    assert soup.find("code").get_text() == "print('<b>')\n"
    assert [td.get_text() for td in soup.find_all("td")] == ["1", "2"]
    link = soup.find("a")
    assert link["href"] == "https://example.com/x"
    assert link["rel"] == ["nofollow", "ugc", "noopener"]


def test_strikethrough_alignment_www_and_email_links():
    soup = _soup("~~gone~~ www.example.com a@example.com, but setup.py stays text\n\n"
                 "| l | r |\n|:--|--:|\n| 1 | 2 |")
    assert soup.find("s").get_text() == "gone"
    assert [a["href"] for a in soup.find_all("a")] == ["http://www.example.com",
                                                      "mailto:a@example.com"]
    assert [td["align"] for td in soup.find_all("td")] == ["left", "right"]


def test_only_http_https_and_mailto_links_survive():
    soup = _soup("[a](https://a.example) [b](mailto:x@example.com) [c](javascript:alert(1)) "
                 "[d](data:text/html,hi) [e](ftp://f.example) [f](vbscript:msgbox)")
    hrefs = [a["href"] for a in soup.find_all("a", href=True)]
    assert hrefs == ["https://a.example", "mailto:x@example.com"]
    assert not any(value for tag in soup.find_all(True) for value in tag.attrs.values()
                   if any(scheme in str(value) for scheme in ("javascript", "data:", "vbscript")))


def test_raw_html_in_the_source_is_shown_as_text():
    source = ('<script>alert(1)</script><p onclick="x()">hi</p><iframe src="frame.html"></iframe>'
              '<kbd>Ctrl</kbd> <img src=x onerror=alert(1)>')
    soup = _soup(source)
    assert [tag.name for tag in soup.find_all(True)] == ["p"]  # one paragraph of text
    assert soup.get_text().strip() == source


def test_user_headings_start_below_the_page_headings():
    soup = _soup("# Steps\n\n## Detail\n\n###### Deep\n\nSetext\n======")
    assert [h.name for h in soup.find_all(["h1", "h2", "h3", "h4", "h5", "h6"])] == [
        "h3", "h4", "h6", "h3"]


def test_rendering_is_deterministic():
    text = "Some *text* with a [link](https://example.com) and `code`."
    assert render(text) == render(text)


# -- pathological bodies ------------------------------------------------------------------------

def _fill(unit: str, size: int = BODY_LIMIT) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def _nested_list_lines() -> str:
    return "\n".join("  " * i + "- x" for i in range(170))


CMARK = {  # cmark's test/pathological_tests.py, at the body limit
    "nested strong emph": "*a **a " * 2000 + "b" + " a** a*" * 2000, "a_ ": _fill("a_ "),
    "_a ": _fill("_a "), "a]": _fill("a]"), "[a": _fill("[a"), "*a_ ": _fill("*a_ "),
    "a**b c* ": "a**b" + _fill("c* "), "[ a_": _fill("[ a_"), "[a](<b": _fill("[a](<b"),
    "[a](b": _fill("[a](b"), "backticks": "".join("e" + "`" * i for i in range(1, 240)),
    "unresolved references": "".join(f"[{i}]: u\n" for i in range(1, 2000)) + "[0] " * 3000,
}

PATHOLOGICAL = {**CMARK,
    "[": _fill("["), "![": _fill("!["), "[a](": _fill("[a]("), "![a](": _fill("![a]("),
    "[a](b \"": _fill('[a](b "'), "1. (the RecursionError body)": "1. " * 2000,
    "1. to the limit": _fill("1. "), "- ": _fill("- "), "> ": _fill("> "), "> - ": _fill("> - "),
    "nested list lines": _nested_list_lines(), "*": _fill("*"), "_": _fill("_"),
    "`": _fill("`"), "~": _fill("~"), "a*": _fill("a*"), "a**": _fill("a**"),
    "*a **b": _fill("*a **b "), "*[": _fill("*["), "~~a": _fill("~~a"), "<": _fill("<"),
    "<a ": _fill("<a "), "<!--": _fill("<!--"), "&#": _fill("&#"), "&#x": _fill("&#x"),
    "references": "".join(f"[r{i}]: https://example.com/{i}\n" for i in range(1000)) + "[r9]",
    "|": _fill("|"), "| rows": "| a | b |\n|---|---|\n" + "| x |\n" * 7000,
    "thousands of columns": "|a" * 5000 + "|\n" + "|-" * 5000 + "|\n" + "|b" * 5000 + "|",
    "a://": _fill("a://"), "<http://": _fill("<http://"), "http://": _fill("http://"),
    "www.": _fill("www."), "a@": _fill("a@"), "\\": _fill("\\"),
}


def _block_depth(html: str) -> int:
    """How deeply quotes and lists nest (emphasis may nest as deep as its balanced markers)."""
    depth = deepest = 0
    for tag in re.finditer(r"<(/?)(blockquote|ol|ul|li)\b", html):
        depth += -1 if tag.group(1) else 1
        deepest = max(deepest, depth)
    return deepest


@pytest.mark.parametrize("name", PATHOLOGICAL)
def test_pathological_bodies_render_to_bounded_sane_html(name):
    text = PATHOLOGICAL[name]
    html = render(text)
    soup = BeautifulSoup(html, "html.parser")
    assert soup.get_text().strip() or soup.find(["hr", "pre"]), "no body renders to nothing"
    assert len(html) < 12 * len(text), "the output is bounded by the input"
    assert _block_depth(html) <= MAX_NESTING  # a list is two levels: the list and its item


def test_cmark_pathological_cases_give_cmark_output():
    html = render(CMARK["nested strong emph"])
    assert html == "<p>" + "<em>a <strong>a " * 2000 + "b" + " a</strong> a</em>" * 2000 + "</p>\n"
    assert render(CMARK["a_ "]) == f"<p>{CMARK['a_ '].strip()}</p>\n"
    assert render(CMARK["[a](b"]) == f"<p>{CMARK['[a](b']}</p>\n"
    assert BeautifulSoup(render(CMARK["backticks"]), "html.parser").get_text().strip() == (
        CMARK["backticks"])


def test_a_body_of_brackets_comes_back_as_its_text():
    soup = _soup(PATHOLOGICAL["["])
    assert [tag.name for tag in soup.find_all(True)] == ["p"]
    assert soup.p.get_text() == "[" * BODY_LIMIT


def test_lists_and_quotes_below_the_nesting_limit_become_text_not_nothing():
    soup = _soup("1. " * 2000 + "end")
    assert len(soup.find_all("ol")) == MAX_NESTING // 2 - 1
    assert soup.get_text().strip() == "1. " * (2000 - MAX_NESTING // 2 + 1) + "end"
    soup = _soup("> " * 100 + "*deep*")
    assert len(soup.find_all("blockquote")) == MAX_NESTING - 2
    assert soup.get_text().strip() == "> " * (100 - MAX_NESTING + 2) + "deep"
    assert soup.find("em").get_text() == "deep"


def test_many_link_references_all_resolve():
    text = "".join(f"[r{i}]: https://example.com/{i}\n" for i in range(500))
    soup = _soup(text + "\n" + " ".join(f"[r{i}]" for i in range(500)))
    assert [a["href"] for a in soup.find_all("a")] == [f"https://example.com/{i}"
                                                      for i in range(500)]


# -- a failure never breaks the renderer ----------------------------------------------------------

NORMAL = "First *emphasis* and a [link](https://example.com).\n\nSecond paragraph."


def _check_normal(html: str) -> None:
    soup = BeautifulSoup(html, "html.parser")
    assert [p.get_text() for p in soup.find_all("p")] == [
        "First emphasis and a link.", "Second paragraph."]
    assert soup.find("em").get_text() == "emphasis"
    assert soup.find("a")["href"] == "https://example.com"


def _frames() -> int:
    frame, count = sys._getframe(), 0
    while frame is not None:
        frame, count = frame.f_back, count + 1
    return count


DEEP = "> " * MAX_NESTING + "<b>x</b> *a*\nline two\n\nnext"


def _render_with_little_stack(text: str) -> str:
    """render() with a recursion limit that a few quote levels reach, mid-parse."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(_frames() + 40)
    try:
        return render(text)
    finally:
        sys.setrecursionlimit(limit)


def test_a_render_that_fails_mid_parse_falls_back_to_text_and_later_renders_are_whole():
    html = _render_with_little_stack(DEEP)
    assert html == ("<p>" + "&gt; " * MAX_NESTING + "&lt;b&gt;x&lt;/b&gt; *a*<br>line two</p>\n"
                    "<p>next</p>")
    _check_normal(render(NORMAL))


def test_a_parser_that_raises_is_replaced_and_the_post_is_stored_as_text(monkeypatch):
    class Broken:
        def render(self, text):
            raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(markdown, "_parser", Broken())
    assert render("a <i>b</i>\n\nc") == "<p>a &lt;i&gt;b&lt;/i&gt;</p>\n<p>c</p>"
    assert not isinstance(markdown._parser, Broken)
    _check_normal(render(NORMAL))


def _fingerprint(value, seen: set) -> object:
    """The parser's own objects as plain data; modules, classes and functions by name only."""
    if isinstance(value, (str, int, float, bool, type(None))):
        return value
    if isinstance(value, (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType,
                          types.MethodType, functools.partial)) or id(value) in seen:
        return repr(value)
    seen.add(id(value))
    if isinstance(value, dict):
        return {repr(k): _fingerprint(v, seen) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_fingerprint(v, seen) for v in value]
    if isinstance(value, re.Pattern):
        return value.pattern
    slots = getattr(type(value), "__slots__", ())
    state = dict(getattr(value, "__dict__", {}), **{n: getattr(value, n, None) for n in slots})
    return type(value).__qualname__, _fingerprint(state, seen)


def test_the_shared_parser_keeps_nothing_from_one_render_to_the_next():
    parser = markdown._parser
    before = _fingerprint(parser, set())
    assert "linkify" in str(before) and len(str(before)) > 10_000  # it does see the parser
    for text in [NORMAL, *PATHOLOGICAL.values()]:
        render(text)
    _render_with_little_stack(DEEP)  # a render interrupted mid-parse leaves nothing either
    assert _fingerprint(parser, set()) == before


def test_concurrent_renders_give_the_same_html_as_one_at_a_time():
    bodies = [NORMAL, "# T\n\n- a\n- b https://x.example", PATHOLOGICAL["*a **b"][:3000],
              "| a |\n|---|\n| ~~b~~ www.x.example |"] * 10
    expected = [render(body) for body in bodies]
    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(render, bodies)) == expected
