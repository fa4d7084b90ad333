"""schema.org QAPage JSON-LD for a thread page (search engines show the accepted answer)."""
from flask import url_for

from app.api.serializers import iso


def _answer(post, url: str) -> dict:
    return {"@type": "Answer", "text": post.body_html, "upvoteCount": post.score,
            "dateCreated": iso(post.created_at), "url": f"{url}#post-{post.id}",
            "author": {"@type": "Person", "name": post.author.username}}


def qa_jsonld(page) -> dict:
    thread, q = page.thread, page.question
    url = url_for("web.thread", thread_id=thread.id, slug=thread.slug, _external=True)
    public = [a for a in page.answers if not a.is_draft and not a.is_deleted]
    question = {
        "@type": "Question", "name": thread.title, "text": q.body_html,
        "answerCount": len(public), "upvoteCount": q.score, "dateCreated": iso(q.created_at),
        "author": {"@type": "Person", "name": thread.author.username},
    }
    accepted = next((a for a in public if a.is_accepted), None)
    if accepted:
        question["acceptedAnswer"] = _answer(accepted, url)
    others = [_answer(a, url) for a in public if not a.is_accepted]
    if others:
        question["suggestedAnswer"] = others
    return {"@context": "https://schema.org", "@type": "QAPage", "mainEntity": question}
