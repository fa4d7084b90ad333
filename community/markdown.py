"""Markdown to safe HTML, done once when a post is saved: Python-Markdown, then nh3 (ammonia)."""
import re
import threading

import markdown
import nh3

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
_local = threading.local()


def _converter() -> markdown.Markdown:
    # Markdown instances are not thread-safe; keep one per thread and reset it between uses.
    md = getattr(_local, "md", None)
    if md is None:
        md = markdown.Markdown(
            extensions=["fenced_code", "tables", "sane_lists", "pymdownx.magiclink"],
            extension_configs={"pymdownx.magiclink": {"hide_protocol": False}},
            output_format="html",
        )
        _local.md = md
    return md


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


_HEADING = re.compile(r"<(/?)h([1-6])\b", re.IGNORECASE)


def _shift_headings(html: str) -> str:
    # The page owns <h1> and <h2>; a post's "# Title" becomes <h3>, and so on down to <h6>.
    return _HEADING.sub(lambda m: f"<{m.group(1)}h{min(6, int(m.group(2)) + 2)}", html)


def render(text: str) -> str:
    """Render user Markdown to HTML that is safe to place in a page as is."""
    md = _converter()
    try:
        html = md.convert(text)
    finally:
        md.reset()
    return sanitize(_shift_headings(html))
