"""schema.org QAPage JSON-LD for a thread page (search engines show the accepted answer)."""
from flask import url_for

from community.jsonld import qa_document


def qa_jsonld(page) -> dict:
    url = url_for("web.thread", thread_id=page.thread.id, slug=page.thread.slug, _external=True)
    return qa_document(page, url)
