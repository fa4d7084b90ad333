"""Web forms for support cases: escalate a thread (support, moderators), publish a draft
resolution (staff); and the thread page's view of its case."""
from flask import flash, redirect, request, url_for
from flask_login import current_user, login_required

from app.web import bp
from community import queries, services
from community.policies import can_view_case
from core.errors import Conflict, ValidationFailed


@bp.app_template_global("thread_case")
def thread_case(viewer, thread):
    """The thread's case when `viewer` may see it (the asker, support, moderators), else None.
    Asked for every signed-in viewer, so a page costs the same queries whoever reads it."""
    if viewer.is_anonymous_user:
        return None
    case = services.case_for_thread(thread.id)
    return case if case is not None and can_view_case(viewer, thread) else None


def _thread_url(thread_id: int, anchor: str) -> str:
    thread = queries.thread_page(current_user, thread_id).thread
    return url_for("web.thread", thread_id=thread.id, slug=thread.slug, _anchor=anchor)


@bp.post("/t/<int:thread_id>/escalate")
@login_required
def escalate(thread_id):
    form = request.form
    try:
        services.escalate(current_user, thread_id, form.get("reason"), form.get("priority"))
        flash("Escalated: the support case is created in the CRM in a moment.", "success")
    except (ValidationFailed, Conflict) as exc:
        messages = [f"{field}: {'; '.join(m)}" for field, m in exc.errors.items()]
        flash(" ".join(messages) or exc.detail, "error")
    return redirect(_thread_url(thread_id, "case"))


@bp.post("/posts/<int:post_id>/publish")
@login_required
def publish_draft(post_id):
    post = services.publish_draft(current_user, post_id)
    flash("The draft answer is published.", "success")
    return redirect(_thread_url(post.thread_id, f"post-{post.id}"))
