"""JSON shapes of users, categories, threads and posts (../shared/API.md); no queries here."""
from flask import url_for

from community.policies import can_see_email
from reputation.ranks import rank_for


def iso(value) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def user_brief(user) -> dict:
    return {"id": user.id, "username": user.username, "reputation": user.reputation,
            "rank": rank_for(user.reputation), "is_super_user": user.is_super_user}


def user_full(user, viewer) -> dict:
    body = user_brief(user) | {
        "roles": user.roles, "badges": [], "created_at": iso(user.created_at),
        "url": url_for("web.profile", user_id=user.id, _external=True)}
    if can_see_email(viewer, user):
        body["email"] = user.email
    return body


def category(cat) -> dict:
    return {"id": cat.id, "slug": cat.slug, "name": cat.name, "description": cat.description,
            "thread_count": cat.thread_count}


def post(p, my_vote: int | None = None) -> dict:
    body = {"id": p.id, "thread_id": p.thread_id, "author": user_brief(p.author),
            "body_html": p.body_html, "body": p.body, "score": p.score,
            "is_accepted": p.is_accepted, "is_draft": p.is_draft, "is_deleted": p.is_deleted,
            "revision_count": p.revision_count, "created_at": iso(p.created_at),
            "updated_at": iso(p.updated_at)}
    if my_vote is not None:
        body["my_vote"] = my_vote
    return body


def thread_summary(t) -> dict:
    return {"id": t.id, "post_id": t.question_post_id, "title": t.title, "slug": t.slug,
            "url": url_for("web.thread", thread_id=t.id, slug=t.slug, _external=True),
            "category": t.category.slug, "tags": [tag.name for tag in t.tags],
            "status": t.status, "author": user_brief(t.author), "score": t.score,
            "view_count": t.view_count, "answer_count": t.answer_count,
            "accepted_answer_id": t.accepted_answer_id, "is_locked": t.is_locked,
            "created_at": iso(t.created_at), "updated_at": iso(t.updated_at),
            "last_activity_at": iso(t.last_activity_at)}


def thread_detail(page, viewer) -> dict:
    """The thread with its answers; `my_vote` appears (0, 1 or -1) only for a signed-in caller."""
    signed_in = not viewer.is_anonymous_user
    q = page.question
    body = thread_summary(page.thread) | {
        "body_html": q.body_html, "body": q.body,
        "answers": [post(a, page.my_votes.get(a.id, 0) if signed_in else None)
                    for a in page.answers]}
    if signed_in:
        body["my_vote"] = page.my_votes.get(q.id, 0)
    return body
