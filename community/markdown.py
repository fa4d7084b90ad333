"""Markdown to safe HTML, done once when a post is saved: markdown-it-py (CommonMark, linear on
pathological input, raw HTML shown as text), then nh3 (ammonia) with our allow-lists."""
import logging
import re
import threading

import nh3
from linkify_it import LinkifyIt
from markdown_it import MarkdownIt, rules_block
from markupsafe import escape

log = logging.getLogger(__name__)

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "dl", "dt", "em",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre", "s",
    "strong", "sub", "summary", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "code": {"class"},
    "ol": {"start"},
    "td": {"align"},
    "th": {"align"},
}
URL_SCHEMES = {"http", "https", "mailto"}
# Quotes and lists inside one another deeper than this are read as text; it also bounds the
# parser's recursion, so no body can reach Python's recursion limit.
MAX_NESTING = 20

_URL_ATTRIBUTES = {"href", "src"}
_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\xa0\u1680\u2000-\u200f\u2028-\u202f\u205f\u3000\ufeff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_DANGEROUS_SCHEME = re.compile(r"^(javascript|vbscript|data|livescript|mocha):", re.IGNORECASE)


def _keep_attribute(tag: str, attr: str, value: str) -> str | None:
    # Code blocks keep only their language class (for highlighting); nothing else styles content.
    if attr == "class":
        return value if tag == "code" and value.startswith("language-") and " " not in value else None
    # ammonia reads "java\x01script:" as a relative URL; some parsers drop such characters and
    # see a script URL. A URL that hides a scheme behind invisible characters is dropped whole.
    if attr in _URL_ATTRIBUTES and (_CONTROL.search(value)
                                    or _DANGEROUS_SCHEME.match(_INVISIBLE.sub("", value))):
        return None
    return value


def sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow ugc noopener",
        attribute_filter=_keep_attribute,
        strip_comments=True,
    )


class _Linkify(LinkifyIt):
    """Bare URLs with a scheme, www. hosts and e-mail addresses become links; a word that merely
    holds a dot ("setup.py", "example.com") stays text."""

    def match(self, text):
        found = [m for m in super().match(text) or ()
                 if m.schema or m.raw[:4].lower() == "www."]
        return found or None


# RFC 3986 scheme before "://"; only the last word of the pending text can be one.
_SCHEME = re.compile(r"(?:^|[^a-z0-9.+-])([a-z][a-z0-9.+-]*)$", re.IGNORECASE)
_SCHEME_WINDOW = 64  # longer than any scheme the linkifier knows (https, mailto, ftp)


def _linkify_at_scheme(state, silent: bool) -> bool:
    """markdown-it-py's inline "linkify" rule, except that it looks for the scheme in the last
    64 characters of the pending text, not all of it: the library's rule searched the whole
    pending text at every "://", quadratic on "a://" repeated (6 s for 30 KB)."""
    pos, src = state.pos, state.src
    if state.linkLevel > 0 or pos + 3 > state.posMax or src[pos:pos + 3] != "://":
        return False
    pending = state.pending
    # A word longer than the window is no known scheme: with pos > 0, "^" cannot match inside it.
    found = _SCHEME.search(pending, max(0, len(pending) - _SCHEME_WINDOW))
    if not found:
        return False
    proto = found.group(1)
    link = state.md.linkify.match_at_start(src[pos - len(proto):])
    if not link:
        return False
    url = link.url.rstrip("*")  # a trailing '*' belongs to emphasis
    full_url = state.md.normalizeLink(url)
    if not state.md.validateLink(full_url):
        return False
    if not silent:
        state.pending = pending[:-len(proto)]
        token = state.push("link_open", "a", 1)
        token.attrs, token.markup, token.info = {"href": full_url}, "linkify", "auto"
        state.push("text", "", 0).content = state.md.normalizeLinkText(url)
        token = state.push("link_close", "a", -1)
        token.markup, token.info = "linkify", "auto"
    state.pos += len(url) - len(proto)
    return True


_ALIGN = re.compile(r"^text-align:(left|center|right)$")
_SCROLLERS = re.compile(r"<(pre|table)>")
ADDED_ATTRIBUTES = {"pre": {"tabindex"}, "table": {"tabindex"}}  # by focusable_scrollers


def _page_friendly_tokens(state) -> None:
    """Headings start below the page's own <h1>/<h2> ("# Title" becomes <h3>, down to <h6>),
    and table alignment is an align attribute (the sanitiser drops every style)."""
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(6, int(token.tag[1]) + 2)}"
        elif token.type in ("th_open", "td_open") and token.attrs:
            aligned = _ALIGN.match(str(token.attrs.get("style", "")))
            token.attrs = {"align": aligned.group(1)} if aligned else {}


def _within_nesting(rule):
    """A quote or list rule that declines to open once another container would reach the
    nesting limit: the deeper lines are then read as a paragraph of text. (At the limit
    markdown-it drops the rest of the body, so "1. " * 2000 would have saved an empty list.)"""
    def guarded(state, start_line, end_line, silent):
        if state.level >= MAX_NESTING - 2:  # a list adds two levels, the list and its item
            return False
        return rule(state, start_line, end_line, silent)
    return guarded


_WARM_UP = ("# h\n\n> q\n\n- [x](/x) https://x.example (//x.example) mailto:a@x.example "
            "www.x.example a@x.example\n\n"
            "| a |\n|:-:|\n| ~~b~~ |\n\n```py\nc\n```\n\n*e* **s** `c` ![i](/i.png)")


def _build() -> MarkdownIt:
    """A parser that is never changed after this returns: options, rule chains and the
    linkifier's lazily compiled patterns are all set up here, by rendering a warm-up body that
    reaches every rule. parse() keeps its per-render state in objects it creates per call."""
    md = MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": False,
                                   "maxNesting": MAX_NESTING})
    md.enable(["table", "strikethrough", "linkify"])
    md.linkify = _Linkify()
    md.inline.ruler.at("linkify", _linkify_at_scheme)
    # the same rules and "alt" chains as markdown_it.parser_block, each wrapped
    md.block.ruler.at("blockquote", _within_nesting(rules_block.blockquote),
                      {"alt": ["paragraph", "reference", "blockquote", "list"]})
    md.block.ruler.at("list", _within_nesting(rules_block.list_block),
                      {"alt": ["paragraph", "reference", "blockquote"]})
    md.core.ruler.push("page_friendly", _page_friendly_tokens)
    md.render(_WARM_UP)
    return md


_lock = threading.Lock()
_parser = _build()


def _plain(text: str) -> str:
    """The fallback: the text escaped, blank lines as paragraphs, line breaks kept."""
    paragraphs = []
    for block in re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n").replace("\r", "\n")):
        if block.strip():
            lines = block.strip().split("\n")
            paragraphs.append("<p>" + "<br>".join(str(escape(line)) for line in lines) + "</p>")
    return "\n".join(paragraphs)


def _replace_parser(failed: MarkdownIt) -> None:
    """After a failed render, a fresh parser for the next one. Nothing in the parser is expected
    to outlive a render (tests/unit/community/test_markdown.py checks), so this is a precaution."""
    global _parser
    try:
        with _lock:
            if _parser is failed:
                _parser = _build()
    except Exception:  # noqa: BLE001 - keep the old parser; the post is already stored as text
        log.exception("Could not build a fresh Markdown parser")


def render(text: str) -> str:
    """Render user Markdown to HTML that is safe to place in a page as is. Never raises for
    any text: should the parser fail, the post is shown as plain escaped text instead."""
    parser = _parser
    try:
        html = parser.render(text)
    except Exception:  # noqa: BLE001 - a post must save even when the parser trips on it
        html = _plain(text)
        log.warning("Markdown rendering failed; the post is stored as plain text", exc_info=True)
        _replace_parser(parser)
    return focusable_scrollers(sanitize(html))


def focusable_scrollers(html: str) -> str:
    """Code blocks and tables scroll inside themselves on a phone, so a keyboard must reach
    them: tabindex=0, added after the sanitiser (which allows no attribute on either)."""
    return _SCROLLERS.sub(r'<\1 tabindex="0">', html)
