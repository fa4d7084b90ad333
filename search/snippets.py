"""Safe snippet HTML: indexed text is escaped and only <mark> highlights are added back.

Engines that mark matches inline (FTS5 snippet(), ts_headline) are asked to use two control
characters as markers; indexed text never holds them (search.documents strips them).
"""
import html
import re

START, END = "\x02", "\x03"
_MARKERS = re.compile(f"([{START}{END}])")
LENGTH = 240  # characters of plain text shown when nothing in the body matched


def marked(text: str) -> str:
    """Escape `text` and turn START/END markers into <mark> elements (unbalanced ones dropped)."""
    out, open_ = [], False
    for part in _MARKERS.split(text or ""):
        if part == START and not open_:
            out.append("<mark>")
            open_ = True
        elif part == END and open_:
            out.append("</mark>")
            open_ = False
        elif part not in (START, END):
            out.append(html.escape(part, quote=False))
    if open_:
        out.append("</mark>")
    return "".join(out)


def lead(text: str, length: int = LENGTH) -> str:
    """The opening of a text, escaped, cut at a word boundary."""
    text = (text or "").strip()
    if len(text) <= length:
        return html.escape(text, quote=False)
    cut = text.rfind(" ", 0, length)
    return html.escape(text[:cut if cut > length // 2 else length], quote=False) + "…"
