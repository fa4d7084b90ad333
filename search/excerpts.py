"""What a result card shows under its title besides the snippet: the accepted answer's opening
lines (plain text), and, for a hit found by meaning alone (no lexical snippet), the question's
opening. One query for a page of results."""
import html

from sqlalchemy import func, select

from community.models import Post
from core.database import db
from search.documents import plain_text
from search.snippets import lead

EXCERPT = 240  # characters of the accepted answer shown
_READ = 4000   # characters of stored HTML read per post: enough for the opening, never a page


def fill_excerpts(rows) -> None:
    """Set hit.excerpt (and an empty hit.snippet_html) for each (hit, thread) of a page."""
    wanted = {t.accepted_answer_id for _, t in rows if t.accepted_answer_id}
    wanted |= {t.question_post_id for hit, t in rows
               if not hit.snippet_html and t.question_post_id}
    if not wanted:
        return
    texts = {row.id: plain_text(row.html) for row in db.session.execute(
        select(Post.id, func.substr(Post.body_html, 1, _READ).label("html"))
        .where(Post.id.in_(wanted), Post.is_deleted.is_(False)))}
    for hit, thread in rows:
        if thread.accepted_answer_id in texts:
            hit.excerpt = html.unescape(lead(texts[thread.accepted_answer_id], EXCERPT))
        if not hit.snippet_html and thread.question_post_id in texts:
            hit.snippet_html = lead(texts[thread.question_post_id])
