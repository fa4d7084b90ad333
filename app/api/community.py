"""API: categories, threads, answers, edits and revisions, deletion, votes, accepts."""
from flask import url_for

from app.api import serializers as s
from app.api.core import actor, number_cursor
from app.extensions import VOTE_LIMIT, VOTE_SCOPE
from app.api.registry import created, operation
from app.api.schemas import (AcceptRequest, NewAnswer, NewCategory, NewThread, Paging, PostEdit,
                             ThreadEdit, ThreadFilters, VoteRequest)
from community import queries, services


@operation("GET", "/categories", query=Paging, returns=s.CategoryList)
def list_categories(query: Paging):
    """Every category, in display order."""
    offset = number_cursor(query.cursor)
    rows = queries.categories(query.size + 1, offset)
    next_cursor = str(offset + query.size) if len(rows) > query.size else None
    return {"items": [s.category(c) for c in rows[:query.size]], "next_cursor": next_cursor}


@operation("GET", "/categories/<slug>", returns=s.Category)
def get_category(slug: str):
    """One category, by its slug."""
    return s.category(queries.category_by_slug(slug))


@operation("POST", "/categories", body=NewCategory, status=201, returns=s.Category,
           auth="required", errors=(403, 409))
def create_category(body: NewCategory):
    """Create a category (administrators)."""
    category = services.create_category(actor(), body.name, body.slug, body.description)
    return created(s.category(category), url_for("api.get_category", slug=category.slug))


@operation("GET", "/threads", query=ThreadFilters, returns=s.ThreadList)
def list_threads(query: ThreadFilters):
    """Threads the caller may see, filtered and sorted, a page at a time."""
    threads, next_cursor = queries.list_threads(
        actor(), category=query.category, tag=query.tag, status=query.status, sort=query.sort,
        limit=query.size, cursor=query.cursor)
    return {"items": [s.thread_summary(t) for t in threads], "next_cursor": next_cursor}


@operation("POST", "/threads", body=NewThread, status=201, returns=s.ThreadDetail,
           auth="required", errors=(403, 404), limit="20 per minute")
def create_thread(body: NewThread):
    """Ask a question."""
    thread = services.create_thread(actor(), body.title, body.body, body.category, body.tags)
    return created(_thread(thread.id), url_for("api.get_thread", thread_id=thread.id))


@operation("GET", "/threads/<int:thread_id>", returns=s.ThreadDetail)
def get_thread(thread_id: int):
    """A thread with its question and the answers the caller may see."""
    return _thread(thread_id)


@operation("PATCH", "/threads/<int:thread_id>", body=ThreadEdit, returns=s.ThreadDetail,
           auth="required", errors=(403,), limit="30 per minute")
def edit_thread(thread_id: int, body: ThreadEdit):
    """Edit the question: only the fields sent change."""
    services.edit_thread(actor(), thread_id, title=body.title, body=body.body, tags=body.tags,
                         category=body.category, reason=body.reason)
    return _thread(thread_id)


@operation("POST", "/threads/<int:thread_id>/answers", body=NewAnswer, status=201,
           returns=s.Post, auth="required", errors=(403,), limit="30 per minute")
def create_answer(thread_id: int, body: NewAnswer):
    """Answer a question."""
    post = services.create_answer(actor(), thread_id, body.body)
    return created(s.post(queries.visible_post(actor(), post.id)[0], 0),
                   url_for("api.get_post", post_id=post.id))


@operation("GET", "/posts/<int:post_id>", returns=s.Post)
def get_post(post_id: int):
    """One post."""
    return s.post(queries.visible_post(actor(), post_id)[0])


@operation("PATCH", "/posts/<int:post_id>", body=PostEdit, returns=s.Post, auth="required",
           errors=(403,), limit="30 per minute")
def edit_post(post_id: int, body: PostEdit):
    """Edit a post's Markdown."""
    services.edit_post(actor(), post_id, body.body, reason=body.reason)
    return s.post(queries.visible_post(actor(), post_id)[0])


@operation("GET", "/posts/<int:post_id>/revisions", query=Paging, returns=s.RevisionList)
def post_revisions(post_id: int, query: Paging):
    """A post's revisions, oldest first."""
    rows = queries.revisions(actor(), post_id, query.size + 1, number_cursor(query.cursor))
    next_cursor = str(rows[query.size - 1].rev) if len(rows) > query.size else None
    return {"items": [s.revision(r) for r in rows[:query.size]], "next_cursor": next_cursor}


@operation("DELETE", "/posts/<int:post_id>", auth="required", errors=(403,))
def delete_post(post_id: int):
    """Soft-delete a post (the question's post deletes its thread; once others have answered,
    only staff may delete the question)."""
    services.delete_post(actor(), post_id)


@operation("POST", "/posts/<int:post_id>/vote", body=VoteRequest, returns=s.VoteResult,
           auth="required", errors=(403,), limit=VOTE_LIMIT, limit_scope=VOTE_SCOPE)
def vote(post_id: int, body: VoteRequest):
    """Vote a post up or down, or retract the vote."""
    score, my_vote = services.cast_vote(actor(), post_id, body.value)
    return {"score": score, "my_vote": my_vote}


@operation("POST", "/threads/<int:thread_id>/accept", body=AcceptRequest, returns=s.ThreadDetail,
           auth="required", errors=(403,))
def accept(thread_id: int, body: AcceptRequest):
    """Accept an answer as the solution, or un-accept with null."""
    services.accept_answer(actor(), thread_id, body.post_id)
    return _thread(thread_id)


def _thread(thread_id: int) -> s.ThreadDetail:
    return s.thread_detail(queries.thread_page(actor(), thread_id), actor())
