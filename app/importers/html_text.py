"""Stack Exchange bodies are HTML: a linear, tag-by-tag pass that turns it into Markdown-ish text
(the source an edit starts from, and what search reads), and the page-ready sanitised HTML."""
import html
import re

from community.markdown import sanitize

# A tag is at most this long; anything longer is text (linear on "<<<<" and unclosed tags).
_TAG = re.compile(r"(<[^<>]{0,2000}>)")
_NAME = re.compile(r"^<\s*(/?)\s*([a-zA-Z][a-zA-Z0-9]*)")
_ATTR = re.compile(r"""\b(href|src|alt)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
_HEADING = re.compile(r"<(/?)h([1-6])\b", re.I)
_BLANKS = re.compile(r"\n{3,}")
_INLINE = {"strong": "**", "b": "**", "em": "*", "i": "*"}
_BLOCKS = {"p", "div", "ul", "ol", "table", "tr", "hr", "blockquote", "dl"}


def _attrs(tag: str) -> dict[str, str]:
    return {m.group(1).lower(): html.unescape(m.group(2) or m.group(3) or m.group(4) or "")
            for m in _ATTR.finditer(tag)}


def _tag_text(closing: bool, name: str, tag: str, state: dict) -> str:
    if name == "pre":
        state["pre"] = not closing
        return "\n```\n" if not closing else "\n```\n\n"
    if name == "code":
        return "" if state["pre"] else "`"
    if state["pre"]:
        return ""
    if name in _INLINE:
        return _INLINE[name]
    if name == "a":
        if closing:
            return f"]({state.pop('href', '')})" if "href" in state else ""
        href = _attrs(tag).get("href")
        if href:
            state["href"] = href
            return "["
        return ""
    if name == "img" and not closing:
        found = _attrs(tag)
        return f"![{found.get('alt', '')}]({found['src']})" if found.get("src") else ""
    if name == "br":
        return "\n"
    if name == "li":
        return "" if closing else "\n- "
    if len(name) == 2 and name[0] == "h" and name[1] in "123456":
        return "\n\n" if closing else "\n\n### "
    if name in _BLOCKS:
        return "\n\n> " if name == "blockquote" and not closing else "\n\n"
    return ""


def to_text(body: str) -> str:
    """Markdown-ish text of an HTML body: paragraphs, lists, code, links, emphasis kept."""
    out, state = [], {"pre": False}
    for i, part in enumerate(_TAG.split(body or "")):
        if i % 2 == 0:
            out.append(html.unescape(part))
            continue
        found = _NAME.match(part)
        if found:
            out.append(_tag_text(bool(found.group(1)), found.group(2).lower(), part, state))
    return _BLANKS.sub("\n\n", "".join(out)).strip()


def to_html(body: str) -> str:
    """The body sanitised with the project's allow-lists; headings start below the page's own
    <h1>/<h2>, as they do for Markdown rendered here."""
    shifted = _HEADING.sub(lambda m: f"<{m.group(1)}h{min(6, int(m.group(2)) + 2)}", body or "")
    return sanitize(shifted)
