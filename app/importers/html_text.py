"""Stack Exchange bodies are HTML: a linear, tag-by-tag pass that turns it into Markdown-ish text
(the source an edit starts from, and what search reads), and the page-ready sanitised HTML; a
body past the community's length limit is cut, with a note."""
import html
import re

from community.markdown import render, sanitize

# A body's HTML is read this many characters per character of the limit, at most: markup never
# comes near it, and a 50 MB body costs no more than one at the limit.
RAW_PER_CHAR = 8
_CUT_NOTE = ("\n\n---\n\n*This post was cut to {limit:,} characters when it was imported; "
             "the original had {length:,} characters of HTML.*")
# A tag is at most this long; anything longer is text (linear on "<<<<" and unclosed tags).
_TAG = re.compile(r"<[^<>]{0,2000}>")
_FENCE_OPEN = re.compile(r"<pre\b[^<>]{0,200}>\s*<code\b[^<>]{0,200}>", re.I)
_FENCE_CLOSE = re.compile(r"</code>\s*</pre>", re.I)
# A link whose text holds no tag; any other <a> keeps its text and loses the address.
_LINK = re.compile(r"""<a\s[^<>]{0,500}?\bhref\s*=\s*["']([^"'<>]{1,2000})["'][^<>]{0,500}>"""
                   r"([^<]{1,1000})</a>", re.I)
_IMG = re.compile(r"^<img\b", re.I)
_ATTR = re.compile(r"""\b(src|alt)\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)
_HEADING = re.compile(r"<(/?)h([1-6])\b", re.I)
_BLANKS = re.compile(r"\n{3,}")
_BLOCK = "\n\n"
# The tags Stack Exchange writes, as they appear: a dictionary look-up each.
_SIMPLE = {
    "<p>": _BLOCK, "</p>": _BLOCK, "<br>": "\n", "<br/>": "\n", "<br />": "\n",
    "<strong>": "**", "</strong>": "**", "<b>": "**", "</b>": "**",
    "<em>": "*", "</em>": "*", "<i>": "*", "</i>": "*", "<code>": "`", "</code>": "`",
    "<li>": "\n- ", "</li>": "", "<ul>": _BLOCK, "</ul>": _BLOCK, "<ol>": _BLOCK, "</ol>": _BLOCK,
    "<blockquote>": "\n\n> ", "</blockquote>": _BLOCK, "<hr>": _BLOCK, "<hr />": _BLOCK,
    "<pre>": "\n```\n", "</pre>": "\n```\n\n",
    **{f"<h{n}>": "\n\n### " for n in range(1, 7)}, **{f"</h{n}>": _BLOCK for n in range(1, 7)},
}


def _image(tag: str) -> str:
    found = {m.group(1).lower(): m.group(2) or m.group(3) or "" for m in _ATTR.finditer(tag)}
    return f"![{found.get('alt', '')}]({found['src']})" if found.get("src") else ""


def _tag_text(match: re.Match) -> str:
    tag = match.group(0)
    simple = _SIMPLE.get(tag)
    if simple is not None:
        return simple
    return _image(tag) if _IMG.match(tag) else ""


def to_text(body: str) -> str:
    """Markdown-ish text of an HTML body: paragraphs, lists, code, links, emphasis kept."""
    text = _FENCE_CLOSE.sub("\n```\n\n", _FENCE_OPEN.sub("\n```\n", body or ""))
    text = _TAG.sub(_tag_text, _LINK.sub(r"[\2](\1)", text))
    return _BLANKS.sub(_BLOCK, html.unescape(text)).strip()


def to_html(body: str) -> str:
    """The body sanitised with the project's allow-lists; headings start below the page's own
    <h1>/<h2>, as they do for Markdown rendered here."""
    shifted = _HEADING.sub(lambda m: f"<{m.group(1)}h{min(6, int(m.group(2)) + 2)}", body or "")
    return sanitize(shifted)


def cut_body(raw: str, limit: int | None) -> tuple[str, str, int | None]:
    """(text, html, original length or None): the body as the source gave it when its text is
    within `limit`; else its text cut at a paragraph or a space, a note added, rendered and
    sanitised as a post written here would be."""
    head = raw if limit is None else raw[:limit * RAW_PER_CHAR]
    text = to_text(head)
    if limit is None or (len(head) == len(raw) and len(text) <= limit):
        return text, to_html(raw), None
    note = _CUT_NOTE.format(limit=limit, length=len(raw))
    room = max(0, limit - len(note) - 4)
    text = text[:room]
    edge = text.rfind("\n\n", max(0, room - 2000))  # a paragraph's end, else a space
    edge = edge if edge > 0 else text.rfind(" ", max(0, room - 200))
    text = text[:edge] if edge > 0 else text
    if text.count("```") % 2:
        text += "\n```"  # close a code block the cut left open
    text = text.rstrip() + note
    return text, render(text), len(raw)
