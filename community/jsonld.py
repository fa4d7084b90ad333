"""schema.org documents for the domain's pages: QAPage for a thread, Article for a knowledge
item. Built from stored (already sanitised) HTML; the web layer embeds them, the CRM sends them."""


def iso(value) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def _answer(post, url: str) -> dict:
    return {"@type": "Answer", "text": post.body_html, "upvoteCount": post.score,
            "dateCreated": iso(post.created_at), "url": f"{url}#post-{post.id}",
            "author": {"@type": "Person", "name": post.author.username}}


def qa_document(page, url: str) -> dict:
    """QAPage of a thread page (community.queries.ThreadPage) published at `url`."""
    thread, q = page.thread, page.question
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


def article_document(item: dict) -> dict:
    """Article of a knowledge item, given as its API document (community.knowledge_queries)."""
    return {"@context": "https://schema.org", "@type": "Article", "headline": item["title"],
            "articleBody": item["solution_html"], "abstract": item["problem_html"],
            "keywords": item["tags"], "articleSection": item["category"],
            "version": item["version"], "url": item["url"], "isBasedOn": item["source_url"],
            "dateModified": item["updated_at"], "datePublished": item["created_at"],
            "author": [{"@type": "Person", "name": name} for name in item["contributors"]]}
