"""Strict, parser-based checks that HTML carries no script vector.

`dangers(markup)` parses a fragment with every available parser (BeautifulSoup's "html.parser",
and html5lib when it is installed) and lists what a browser could run or be restyled by:

* elements: script, iframe, object, embed, form, style, svg, math, base, link, meta, frame,
  frameset, applet (also with a namespace prefix such as `svg:script`);
* any attribute whose name starts with "on" (event handlers), and any style attribute;
* URL attributes (href, src, action, formaction, xlink:href, srcset, background, poster, data,
  ...) whose value, with whitespace and control characters removed and lower-cased, starts with
  javascript:, data: or vbscript: (the finding says whether a browser's own URL parser would
  see that scheme, or only this strict normalisation does), or any URL whose scheme, as a
  browser parses it, is not http, https or mailto (the sanitiser's URL_SCHEMES);
* comments, CDATA sections, processing instructions and declarations (the sanitiser strips
  comments, so one that survives is a bug; IE conditional comments hide markup in them).

Attribute values come back from the parser already HTML-unescaped, exactly once, as a browser
decodes them; decoding a second time would flag harmless text like `&amp;#106;avascript:`.
"""
import re
import unicodedata

from bs4 import BeautifulSoup, Tag
from bs4.element import CData, Comment, Declaration, Doctype, ProcessingInstruction

try:
    import html5lib  # noqa: F401  (optional: a second, spec-following parser)
    PARSERS: tuple[str, ...] = ("html.parser", "html5lib")
except ImportError:  # not a dependency of the project; html.parser is always there
    PARSERS = ("html.parser",)

DANGEROUS_TAGS = frozenset({
    "script", "iframe", "object", "embed", "form", "style", "svg", "math", "base", "link",
    "meta", "frame", "frameset", "applet",
})
URL_ATTRIBUTES = frozenset({
    "href", "src", "action", "formaction", "xlink:href", "srcset", "background", "poster",
    "data", "lowsrc", "dynsrc", "codebase", "cite", "ping", "longdesc", "manifest",
})
BAD_SCHEMES = ("javascript:", "data:", "vbscript:")
SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
_C0_OR_SPACE = "".join(chr(i) for i in range(0x21))
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):")


def _strip_url(value: str) -> str:
    """The value with every whitespace and control character removed, lower-cased."""
    return "".join(c for c in value if not c.isspace() and unicodedata.category(c) != "Cc").lower()


def _browser_scheme(value: str) -> str | None:
    """The scheme a browser's URL parser would see (WHATWG: trim C0/space, drop tab/LF/CR)."""
    value = value.strip(_C0_OR_SPACE).translate({9: None, 10: None, 13: None})
    match = _SCHEME.match(value.lower())
    return match.group(1) if match else None


def url_dangers(attr: str, value: str) -> list[str]:
    candidates = [value]
    if attr == "srcset":  # "url 1x, url 2x": every candidate URL counts
        candidates = [part.strip().split(" ")[0] for part in value.split(",")]
    found = []
    for url in candidates:
        stripped, scheme = _strip_url(url), _browser_scheme(url)
        if stripped.startswith(BAD_SCHEMES):
            how = ("as a browser parses it" if scheme and f"{scheme}:" in BAD_SCHEMES else
                   "once every whitespace/control character is removed (a WHATWG URL parser "
                   "sees a relative URL; legacy browsers dropped such characters)")
            found.append(f"{attr}={url!r} is a {stripped.split(':')[0]}: URL {how}")
            continue
        if scheme and scheme not in SAFE_SCHEMES:
            found.append(f"{attr}={url!r} has the unexpected scheme {scheme}:")
    return found


def node_dangers(root) -> list[str]:
    """Dangers among `root`'s descendants (a BeautifulSoup document or element)."""
    found = []
    for node in root.descendants:
        if isinstance(node, (Comment, CData, ProcessingInstruction, Declaration, Doctype)):
            found.append(f"{type(node).__name__.lower()} survived: {str(node)[:80]!r}")
            continue
        if not isinstance(node, Tag):
            continue
        name = node.name.lower()
        local = name.rsplit(":", 1)[-1]
        if name in DANGEROUS_TAGS or local in DANGEROUS_TAGS:
            found.append(f"<{name}> element")
        for attr, value in node.attrs.items():
            attr = attr.lower()
            if isinstance(value, list):  # bs4 splits multi-valued attributes such as class
                value = " ".join(value)
            local_attr = attr.rsplit(":", 1)[-1]
            if local_attr.startswith("on"):
                found.append(f"<{name} {attr}=...> event handler")
            if local_attr == "style":
                found.append(f"<{name} style=...> attribute")
            if attr in URL_ATTRIBUTES or local_attr in URL_ATTRIBUTES:
                found += [f"<{name}> {d}" for d in url_dangers(attr, value)]
    return found


def parse(markup: str, parser: str) -> BeautifulSoup:
    return BeautifulSoup(markup, parser)


def dangers(markup: str) -> list[str]:
    """Every danger any available parser finds in an HTML fragment, tagged with the parser."""
    found: list[str] = []
    for parser in PARSERS:
        found += [f"[{parser}] {d}" for d in node_dangers(parse(markup, parser))]
    return found


def node_outside_allowlist(root, tags: set, attributes: dict,
                           extra: dict | None = None) -> list[str]:
    """Elements or attributes under `root` that a sanitiser configured with these allowlists
    should not emit; `extra` adds attributes per tag, or for every tag under the key "*"."""
    extra = extra or {}
    found = []
    for node in root.find_all(True):
        if node.name in ("html", "head", "body") and node.sourceline is None:
            continue  # html5lib wraps every fragment in a document of its own
        if node.name not in tags:
            found.append(f"<{node.name}> is not an allowed tag")
        allowed = (set(attributes.get(node.name, ())) | set(extra.get(node.name, ()))
                   | set(extra.get("*", ())))
        found += [f"<{node.name} {attr}> is not an allowed attribute"
                  for attr in node.attrs if attr not in allowed]
    return found
