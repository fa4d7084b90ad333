"""Markdown rendering and sanitising rules (the sweep over real payload lists is functional)."""
from bs4 import BeautifulSoup

from community.markdown import render


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


def test_only_http_https_and_mailto_links_survive():
    soup = _soup("[a](https://a.example) [b](mailto:x@example.com) [c](javascript:alert(1)) "
                 "[d](data:text/html,hi) [e](ftp://f.example) [f](vbscript:msgbox)")
    hrefs = [a.get("href") for a in soup.find_all("a")]
    assert hrefs == ["https://a.example", "mailto:x@example.com", None, None, None, None]


def test_raw_html_is_reduced_to_the_allow_list():
    soup = _soup('<script>alert(1)</script><p onclick="x()" style="color:red" class="big">hi</p>'
                 '<iframe src="https://x"></iframe><kbd>Ctrl</kbd>')
    assert soup.find("script") is None and soup.find("iframe") is None
    p = soup.find("p")
    assert p.attrs == {} and p.get_text() == "hi"
    assert soup.find("kbd").get_text() == "Ctrl"
    assert "alert" not in render("<script>alert(1)</script>")


def test_user_headings_start_below_the_page_headings():
    soup = _soup("# Steps\n\n## Detail\n\n###### Deep")
    assert [h.name for h in soup.find_all(["h1", "h2", "h3", "h4", "h5", "h6"])] == ["h3", "h4", "h6"]


def test_rendering_is_deterministic():
    text = "Some *text* with a [link](https://example.com) and `code`."
    assert render(text) == render(text)
