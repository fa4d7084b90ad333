"""Naughty strings through post creation: nothing executable survives, and nothing is a 500.

Every line of ../shared/data/security (blns/blns.txt without its "#" comment lines, and every
xss/*.txt list) goes through the service functions: as a question's title and inline body, and
as an answer on its own (every 25th also as an edit placing it in quote, list, table, link,
image, autolink and code). The stored body_html is then parsed (tests/functional/_html_checks.py)
and must hold no script, event handler, javascript:/data:/vbscript: URL, iframe, object, embed,
form, style, SVG/MathML or other vector, must stay inside the sanitiser's allowlists, and must be
exactly what rendering the stored Markdown again gives. The same renderer also gets every line
in each of those Markdown contexts directly (fast, no database). Only empty lines are skipped:
BLNS's whitespace-only lines are naughty strings too (a raw one may be refused, which is fine).

A sample (every 25th line of all lists together, plus every XSS polyglot) also goes through the
real HTTP layers: POST /api/v1/threads and /answers with a bearer token (201 or 422, never a 500),
the web "Ask" form (302 or 422), and the public thread page, whose user content is checked region
by region, whose title must come out escaped, whose structure outside those regions must match a
page with harmless content, and whose JSON-LD must parse and be unable to close its <script>.

Signed-in rate limits count per account, and one account sends the whole sample, so the
HTTP sample test sets the limiter aside; the limits have their own tests.
"""
import functools
import json
import re
import unicodedata
from collections import Counter

import pytest
from markupsafe import escape
from sqlalchemy import select

from core.errors import ValidationFailed
from core.database import db
from community import services
from community.markdown import ADDED_ATTRIBUTES, ALLOWED_ATTRIBUTES, ALLOWED_TAGS, render
from community.models import Post
from community.validation import clean_text
from tests import factories
from tests.conftest import SHARED, shared_path
from tests.functional._html_checks import (PARSERS, dangers, node_dangers,
                                           node_outside_allowlist, parse)

SECURITY = SHARED / "data" / "security"
SAMPLE_EVERY = 25
POLYGLOTS = "xss/XSS_Polyglots.txt"
# nh3 (ammonia) adds rel to links and keeps its default generic attributes, lang and title.
# Code blocks and tables get tabindex=0 after the sanitiser (keyboard users scroll them).
SANITISER_EXTRAS = {"a": {"rel"}, "*": {"lang", "title"}, **ADDED_ATTRIBUTES}
STRICT_ONLY = "once every whitespace/control character is removed"  # see _html_checks.url_dangers
JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def _source_names() -> list[str]:
    """blns/blns.txt and every xss/*.txt; names that are absent skip through shared_path."""
    xss = SECURITY / "xss"
    lists = sorted(p.name for p in xss.glob("*.txt")) if xss.is_dir() else []
    return ["blns/blns.txt"] + ([f"xss/{name}" for name in lists] or ["xss"])


SOURCES = _source_names()


@functools.cache
def _read(name: str) -> tuple[tuple[str, str], ...]:
    """(label "file:line", line) for each payload; BLNS comments and empty lines are skipped."""
    text = SECURITY.joinpath(*name.split("/")).read_text(encoding="utf-8")
    # Split on "\n" only: str.splitlines() would also break at \x0b, \x0c, \x1c-\x1e, \x85,
    # U+2028 and U+2029, which BLNS carries inside its lines on purpose.
    return tuple((f"{name}:{number}", line) for number, line in enumerate(text.split("\n"), 1)
                 if line and not (name.startswith("blns/") and line.startswith("#")))


def _lines(name: str) -> tuple[tuple[str, str], ...]:
    shared_path("security")
    path = shared_path("security", *name.split("/"))
    if path.is_dir():
        pytest.fail(f"{path} holds no .txt payload lists")
    return _read(name)


def _short(value: str, limit: int = 160) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…'"


def _report(problems: list[str], what: str, shown: int = 40) -> str:
    listed = "\n".join(f"- {p}" for p in problems[:shown])
    more = f"\n… and {len(problems) - shown} more" if len(problems) > shown else ""
    strict = sum(STRICT_ONLY in p for p in problems)
    triage = (f" ({strict} of them only under the strict URL normalisation, which a current "
              f"browser reads as a relative URL)" if strict else "")
    return f"{len(problems)} problem(s) {what}{triage}:\n{listed}{more}"


def _html_problems(html: str) -> list[str]:
    """What is wrong with a stored or served body_html: dangers, anything off the allowlists,
    a code class other than one language-*. Each available parser reads the HTML once."""
    found = []
    for parser in PARSERS:
        soup = parse(html, parser)
        problems = node_dangers(soup) + node_outside_allowlist(
            soup, ALLOWED_TAGS, ALLOWED_ATTRIBUTES, SANITISER_EXTRAS)
        for code in soup.find_all("code", class_=True):
            classes = code.get("class")
            if len(classes) != 1 or not classes[0].startswith("language-"):
                problems.append(f"<code class={' '.join(classes)!r}> is not one language-* class")
        found += [f"[{parser}] {problem}" for problem in problems]
    return found


def _edit_body(line: str) -> str:
    """The payload in the other Markdown contexts: quote, list, table, link and image URL,
    autolink, fenced code."""
    return "\n\n".join([
        "Edited payload:", f"> {line}", f"- {line}", f"| a | b |\n|---|---|\n| {line} | x |",
        f"[link]({line}) ![image]({line}) <{line}>", f"```\n{line}\n```",
    ])


# -- the checker itself ------------------------------------------------------------------------

@pytest.mark.parametrize("markup", [
    "<script>alert(1)</script>", "<SCRIPT SRC=//x.example/x.js></SCRIPT>",
    "<svg><script>alert(1)</script></svg>", "<svg:script>alert(1)</svg:script>",
    "<svg/onload=alert(1)>", "<math><mtext>x</mtext></math>", "<iframe src=x></iframe>",
    "<object data=x></object>", "<embed src=x>", "<form><input></form>", "<style>*{}</style>",
    "<base href=//x.example/>", "<link rel=stylesheet href=x>", "<meta http-equiv=refresh>",
    "<frameset><frame src=x></frameset>", "<applet code=x></applet>",
    "<img src=x onerror=alert(1)>", "<p ONCLICK=alert(1)>x</p>", "<p style=color:red>x</p>",
    '<a href="javascript:alert(1)">x</a>', '<a href=" JaVa\tScRiPt:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>', '<a href="java\x01script:alert(1)">x</a>',
    '<a href="data:text/html,x">x</a>', '<a href="VBScript:msgbox(1)">x</a>',
    '<img srcset="a.png 1x, javascript:alert(1) 2x">', '<video poster="javascript:alert(1)">',
    '<button formaction="javascript:alert(1)">x</button>', '<td background="javascript:x">',
    '<svg><use xlink:href="data:image/svg+xml,x"/></svg>', "<!-- a comment -->",
    '<a href="ftp://x.example/">x</a>',
])
def test_the_checker_flags_each_vector(markup):
    assert dangers(markup), markup


@pytest.mark.parametrize("markdown", [
    "Plain *text* with `code` and a [link](https://example.com/a?b=1&c=2 \"t\").",
    "![alt](https://example.com/i.png) <https://example.com> mailto:a@example.com",
    "```python\nprint('<script>')\n```\n\n| a | b |\n|---|--:|\n| 1 | 2 |",
    "<details><summary>More</summary>Text about onload= and javascript: in prose.</details>",
])
def test_the_checker_passes_ordinary_rendered_markdown(markdown):
    html = render(markdown)
    assert _html_problems(html) == [], html


# -- every line through the service functions ---------------------------------------------------

def _fits(value: str, low: int, high: int, single_line: bool = False) -> bool:
    length = len(unicodedata.normalize("NFC", clean_text(value, single_line=single_line)))
    return low <= length <= high


@pytest.mark.parametrize("source", SOURCES)
def test_every_line_through_the_services(app, source):
    """Per line: a question titled with the line (or around it when it is no valid title) whose
    body holds the line inline; an answer that is the raw line (or, when too short, the line as
    a block of its own); the raw line as title and body where that must be refused; and for a
    sample, an edit putting the line into quote, list, table, link, image, autolink and code."""
    lines = _lines(source)
    config = app.config
    actor, category = factories.user(), factories.category()
    holder = services.create_thread(actor, f"Naughty strings from {source}",
                                    "Every line of the list is an answer below.", category.slug, [])
    origin: dict[int, tuple[str, str, str]] = {}  # post id -> (label, variant, line)
    problems: list[str] = []

    def attempt(label, line, variant, call, refuse=False):
        """Run a service call: refused (ValidationFailed) exactly when `refuse`, never a crash."""
        try:
            result = call()
        except ValidationFailed as exc:
            if not refuse:
                problems.append(f"{label} {variant}: refused {exc.errors} | payload {_short(line)}")
            return None
        except Exception as exc:  # anything else is a 500 in the web and the API
            db.session.rollback()
            problems.append(f"{label} {variant}: {type(exc).__name__}: {exc} (a 500) "
                            f"| payload {_short(line)}")
            return None
        if refuse:
            problems.append(f"{label} {variant}: accepted, want a validation error "
                            f"| payload {_short(line)}")
        return result

    for number, (label, line) in enumerate(lines):
        title_ok = _fits(line, config["TITLE_MIN_LENGTH"], config["TITLE_MAX_LENGTH"], True)
        body_ok = _fits(line, config["BODY_MIN_LENGTH"], config["BODY_MAX_LENGTH"])
        title = line if title_ok else f"Naughty title: {line}"[:150]
        thread = attempt(label, line, "question", lambda: services.create_thread(
            actor, title, f"Payload line: {line}", category.slug, []))
        if thread is not None:
            origin[thread.question_post_id] = (label, "question (inline)", line)
            if thread.title != clean_text(title, single_line=True):
                problems.append(f"{label} question: the stored title is not the cleaned title "
                                f"| payload {_short(line)}")
        variant, body = (("answer (raw)", line) if body_ok
                         else ("answer (block)", f"Payload block:\n\n{line}"))
        answer = attempt(label, line, variant,
                         lambda: services.create_answer(actor, holder.id, body))
        if answer is not None:
            origin[answer.id] = (label, variant, line)
        if not (title_ok and body_ok):
            attempt(label, line, "question (raw title and body)", lambda: services.create_thread(
                actor, line, line, category.slug, []), refuse=True)
        if answer is not None and number % SAMPLE_EVERY == 0 and attempt(
                label, line, "edit (contexts)",
                lambda: services.edit_post(actor, answer.id, _edit_body(line))) is not None:
            origin[answer.id] = (label, "edit (contexts)", line)

    ids = sorted(origin)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for post in db.session.scalars(select(Post).where(Post.id.in_(chunk))):
            label, variant, line = origin[post.id]
            where = f"{label} {variant}"
            for finding in _html_problems(post.body_html):
                problems.append(f"{where}: {finding} | payload {_short(line)} "
                                f"| stored {_short(post.body_html, 300)}")
            if render(post.body) != post.body_html:
                problems.append(f"{where}: rendering the stored Markdown again differs from "
                                f"body_html | payload {_short(line)}")
    db.session.rollback()
    assert len(origin) == 2 * len(lines) or problems, "posts went missing without an error"
    assert not problems, _report(problems, f"from {source} through the services")


@pytest.mark.parametrize("source", SOURCES)
def test_every_line_in_every_markdown_context_renders_safely(source):
    """The renderer the services call on save, with each line in the contexts that the stored
    posts above only sample: quote, list item, table cell, link and image URL, autolink, code."""
    problems = []
    for label, line in _lines(source):
        for context, markdown in (("quote", f"> {line}"), ("list", f"- {line}"),
                                  ("table", f"| a | b |\n|---|---|\n| {line} | x |"),
                                  ("link", f"[link]({line}) ![image]({line})"),
                                  ("autolink", f"<{line}>"), ("code", f"```\n{line}\n```")):
            html = render(clean_text(markdown))
            problems += [f"{label} {context}: {d} | payload {_short(line)} "
                         f"| html {_short(html, 300)}" for d in _html_problems(html)]
    assert not problems, _report(problems, f"from {source} in Markdown contexts")


# -- a sample through the HTTP API, the web form and the thread page -----------------------------

def _sample() -> list[tuple[str, str]]:
    shared_path("security")
    everything = [item for name in SOURCES for item in _lines(name)]
    chosen = dict(everything[::SAMPLE_EVERY])
    if POLYGLOTS in SOURCES:
        chosen.update(_lines(POLYGLOTS))
    return list(chosen.items())


class Addresses:
    """A fresh client address per request: the limiter keys on it, so no limit is reached."""

    def __init__(self):
        self.n = 0

    def __call__(self) -> dict:
        self.n += 1
        return {"REMOTE_ADDR": f"10.{self.n // 65536 % 256}.{self.n // 256 % 256}.{self.n % 256}"}


def _skeleton_and_dangers(soup) -> tuple[list, Counter]:
    """The page without its user-content regions: (tag, attribute names) of every element in
    order, and what the checker finds there (the page's own forms, links, metas, JSON-LD)."""
    skeleton = [(tag.name, tuple(sorted(tag.attrs))) for tag in soup.find_all(True)]
    return skeleton, Counter(node_dangers(soup))


def _strip_user_regions(soup) -> None:
    for region in soup.select("div.body") + soup.find_all(["h1", "title", "script"]):
        region.clear()


class PageFailed(Exception):
    pass


# The site's own scripts (live updates): fixed tags holding no user content, the only other
# scripts a thread page may carry; each is taken out once from every page fetched here.
OWN_SCRIPTS = ('<script src="/static/vendor/socket.io.min.js" defer></script>',
               '<script src="/static/live.js" defer></script>')


def _get_page(viewer, url: str) -> str:
    try:
        response = viewer.get(url)
    except Exception as exc:  # TESTING propagates what would otherwise be a 500
        db.session.rollback()
        raise PageFailed(f"GET {url} raised {type(exc).__name__}: {exc} (a 500)") from exc
    if response.status_code != 200:
        raise PageFailed(f"GET {url} answered {response.status_code}")
    page = response.get_data(as_text=True)
    for tag in OWN_SCRIPTS:
        page = page.replace(tag, "", 1)
    return page


def _thread_page_problems(viewer, url: str, title: str, bodies: list[str], baselines) -> list[str]:
    """What is wrong with a thread page that shows `title` and these body_html values."""
    page = _get_page(viewer, url)
    problems = []
    # JSON-LD: the page's only script; it must parse and must not be closable by user content.
    scripts = JSON_LD.findall(page)
    if page.lower().count("<script") != 1 or len(scripts) != 1:
        problems.append(f"the page has {page.lower().count('<script')} script tags, "
                        f"want only the JSON-LD")
    for text in scripts:
        if "</" in text or "<!--" in text:
            problems.append(f"the JSON-LD text holds '</' or '<!--': {_short(text, 300)}")
        try:
            entity = json.loads(text)["mainEntity"]
        except (ValueError, KeyError) as exc:
            problems.append(f"the JSON-LD does not parse: {exc}: {_short(text, 300)}")
            continue
        if entity.get("name") != title or entity.get("text") != bodies[0]:
            problems.append("the JSON-LD name/text differ from the stored title/body_html")
    if str(escape(title)) not in page:
        problems.append(f"the escaped title {_short(str(escape(title)))} is not in the page")
    for parser in PARSERS:
        soup = parse(page, parser)
        scripts = soup.find_all("script")
        if [s.get("type") for s in scripts] != ["application/ld+json"]:
            problems.append(f"[{parser}] scripts {[s.get('type') for s in scripts]}, "
                            f"want one JSON-LD")
        heading = soup.find("h1")
        if heading is None or heading.find(True) is not None or heading.get_text() != title:
            problems.append(f"[{parser}] the <h1> is not exactly the title as text: "
                            f"{_short(str(heading))}")
        if soup.title is None or soup.title.get_text() != f"{title} · Commonplace":
            problems.append(f"[{parser}] the <title> is not the title as text: "
                            f"{_short(str(soup.title))}")
        regions = soup.select("div.body")
        if len(regions) != len(bodies):
            problems.append(f"[{parser}] {len(regions)} post bodies on the page, "
                            f"want {len(bodies)}")
        for region in regions:
            problems += [f"[{parser}] in a post body: {d}" for d in node_dangers(region)]
        _strip_user_regions(soup)
        skeleton, found = _skeleton_and_dangers(soup)
        want_skeleton, want_found = baselines[(parser, len(bodies))]
        if skeleton != want_skeleton:
            diff = next((i for i, (a, b) in enumerate(zip(skeleton, want_skeleton)) if a != b),
                        min(len(skeleton), len(want_skeleton)))
            problems.append(f"[{parser}] the page structure outside user content differs from a "
                            f"harmless page at element {diff}: {skeleton[diff:diff + 3]} "
                            f"vs {want_skeleton[diff:diff + 3]}")
        if found != want_found:
            problems.append(f"[{parser}] vectors outside user content differ from a harmless page: "
                            f"{sorted((found - want_found).elements())}")
    return problems


def test_a_sample_through_the_api_the_web_form_and_the_thread_page(app, api, web, monkeypatch):
    # Signed-in limits count per account, and this one account posts every sample: the limiter
    # is set aside here (this test is about content; tests/functional/test_rate_limits.py is
    # about limits).
    from app.extensions import limiter
    monkeypatch.setattr(limiter, "enabled", False)
    sample = _sample()
    author, category = factories.user(), factories.category()
    token = api.token_for(author.email)
    web.login(author.username)
    viewer = app.test_client()  # anonymous, so every thread page is the same shape
    address = Addresses()
    problems: list[str] = []

    def send(what, label, line, call, allowed):
        try:
            response = call()
        except Exception as exc:  # TESTING propagates what would otherwise be a 500
            db.session.rollback()
            problems.append(f"{label} {what}: {type(exc).__name__}: {exc} (a 500) "
                            f"| payload {_short(line)}")
            return None
        if response.status_code not in allowed:
            hint = " (rate limited: spread the requests)" if response.status_code == 429 else ""
            problems.append(f"{label} {what}: {response.status_code}{hint}, want one of {allowed} "
                            f"| payload {_short(line)} "
                            f"| {_short(response.get_data(as_text=True), 300)}")
            return None
        problem_json = response.get_json(silent=True) if response.is_json else {"errors": "HTML"}
        if response.status_code == 422 and "errors" not in (problem_json or {}):
            problems.append(f"{label} {what}: a 422 without field errors")
        return response

    def api_thread(title, body, label, line, allowed):
        return send("POST /threads", label, line, lambda: api.post(
            "/threads", token, json={"title": title, "body": body, "category": category.slug,
                                     "tags": []}, environ_base=address()), allowed)

    def api_answer(thread_id, body, label, line, allowed):
        return send("POST /answers", label, line, lambda: api.post(
            f"/threads/{thread_id}/answers", token, json={"body": body},
            environ_base=address()), allowed)

    # Harmless pages with 0, 1 and 2 answers: the shape every payload page must keep.
    baselines = {}
    harmless = api_thread("A harmless question title", "A harmless question body.", "baseline",
                          "", (201,)).get_json()
    try:
        for count in range(3):
            page = _get_page(viewer, harmless["url"])
            for parser in PARSERS:
                soup = parse(page, parser)
                _strip_user_regions(soup)
                baselines[(parser, count + 1)] = _skeleton_and_dangers(soup)  # by post count
            api_answer(harmless["id"], "A harmless answer body.", "baseline", "", (201,))
    except PageFailed as exc:
        baselines = None  # the page is broken whatever the content; say so once, check the rest
        problems.append(f"the thread page fails even with harmless content, so no payload page "
                        f"could be checked: {exc}")
    web_page = web.post("/ask", {"title": "x", "body": "y", "category": category.slug, "tags": ""},
                        environ_base=address())
    assert web_page.status_code == 422
    web_baseline = Counter(dangers(web_page.get_data(as_text=True)))

    def check_page(label, line, what, thread: dict, bodies: list[str]):
        if baselines is None:
            return
        try:
            found = _thread_page_problems(viewer, thread["url"], thread["title"], bodies, baselines)
        except PageFailed as exc:
            found = [str(exc)]
        problems.extend(f"{label} {what} page: {finding} | payload {_short(line)}"
                        for finding in found)

    for label, line in sample:
        # 1. The raw line as title and body: stored (201) or refused (422).
        response = api_thread(line, line, label, line, (201, 422))
        if response is not None and response.status_code == 201:
            data = response.get_json()
            problems += [f"{label} API raw: {d} | payload {_short(line)}"
                         for d in _html_problems(data["body_html"])]
            check_page(label, line, "API raw", data, [data["body_html"]])
        # 2. A title and body made valid around the line: must be stored; then two answers.
        response = api_thread(f"Naughty title: {line}"[:150], f"Payload line: {line}", label,
                              line, (201,))
        if response is not None:
            data = response.get_json()
            bodies = [data["body_html"]]
            for body, allowed in ((line, (201, 422)), (f"Payload block:\n\n{line}", (201,))):
                answered = api_answer(data["id"], body, label, line, allowed)
                if answered is not None and answered.status_code == 201:
                    bodies.append(answered.get_json()["body_html"])
            for html in bodies:
                problems += [f"{label} API: {d} | payload {_short(line)}"
                             for d in _html_problems(html)]
            check_page(label, line, "API", data, bodies)
        # 3. The web "Ask" form with the raw line: a redirect to the thread, or the form again.
        response = send("web POST /ask", label, line, lambda: web.post(
            "/ask", {"title": line, "body": line, "category": category.slug, "tags": ""},
            environ_base=address()), (302, 422))
        if response is not None and response.status_code == 302:
            thread_id = int(re.search(r"/t/(\d+)/", response.headers["Location"]).group(1))
            data = api.get(f"/threads/{thread_id}").get_json()
            check_page(label, line, "web", data, [data["body_html"]])
        elif response is not None:
            form_page = response.get_data(as_text=True)
            extra = Counter(dangers(form_page)) - web_baseline
            if extra:
                problems.append(f"{label} web form again: new vectors {sorted(extra.elements())} "
                                f"| payload {_short(line)}")
            for parser in PARSERS:
                soup = parse(form_page, parser)
                title_input = soup.find("input", id="title")
                body_area = soup.find("textarea", id="body")
                if title_input is None or title_input.get("value") != line:
                    problems.append(f"[{parser}] {label} web form again: the title field does not "
                                    f"hold the line as typed | payload {_short(line)}")
                if (body_area is None or body_area.find(True) is not None
                        or body_area.get_text() != line):
                    problems.append(f"[{parser}] {label} web form again: the body field does not "
                                    f"hold the line as text | payload {_short(line)}")

    assert len(sample) >= 20, "the sample is too small to mean anything"
    assert not problems, _report(problems, f"in {len(sample)} sampled lines through HTTP")
