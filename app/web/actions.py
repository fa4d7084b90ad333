"""Form posts: ask, answer, edit, delete, vote, accept. Each calls one service and redirects.

Create forms carry a one-time submission token (app.web.submissions); a rate-limited post
re-renders its form with the input kept."""
import math
import time

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from core.errors import Conflict, ValidationFailed
from app.extensions import VOTE_LIMIT, VOTE_SCOPE, limiter
from app.web import bp
from app.web.reputation import thread_extras
from app.web.similar import similar_step
from app.web.submissions import FIELD, form_token, submit_once
from community import queries, services
from community.policies import (can_delete_post, can_edit_post, can_manage_categories, ensure,
                                undelete_until)
from community.validation import clean_text
from core.database import parse_id

REASON_MAX_LENGTH = 300


def _thread_url(thread, anchor: str | None = None):
    return url_for("web.thread", thread_id=thread.id, slug=thread.slug,
                   _anchor=anchor) if thread else url_for("web.home")


def _too_many(render_form):
    """on_breach for a form post: the form again, with its input, a message and Retry-After."""

    def on_breach(limit):
        seconds = max(1, math.ceil(limit.reset_at - time.time()))
        message = f"Too many posts in a short time: try again in {seconds} seconds. " \
                  "Your text is kept below."
        response = make_response(render_form({"form": [message]}, 429))
        response.headers["Retry-After"] = str(seconds)
        return response

    return on_breach


@bp.errorhandler(429)
def rate_limited(exc):
    if getattr(exc, "response", None) is not None:  # made by a form's on_breach
        return exc.response
    return render_template("errors/error.html", status=429, title="Too many requests",
                           detail=exc.description), 429, {"Retry-After": "60"}


def _ask_form(errors=None, status=200, similar=None):
    form = request.form if request.method == "POST" else request.args  # ?title= from a search
    return render_template("community/ask.html", form=form, errors=errors or {},
                           categories=queries.categories(), token=form_token(form),
                           selected=form.get("category") or request.args.get("category"),
                           similar=similar), status


@bp.route("/ask", methods=["GET", "POST"])
@login_required
@limiter.limit("20 per minute", methods=["POST"], on_breach=_too_many(_ask_form))
def ask():
    if request.method == "GET":  # a title brought from a search: show what may answer it
        title = request.args.get("title", "").strip()
        return _ask_form(similar=similar_step(current_user, request.args)[2] if title else None)
    form = request.form
    if form.get("step") == "check":  # no JavaScript: list similar threads, post nothing yet
        return _ask_form(*similar_step(current_user, form))
    try:
        url, first = submit_once(current_user, form.get(FIELD), lambda: _thread_url(
            services.create_thread(current_user, form.get("title"), form.get("body"),
                                   form.get("category"), form.get("tags", ""))))
    except (ValidationFailed, Conflict) as exc:
        return _ask_form(exc.errors or {"form": [exc.detail]}, exc.status)
    flash("Your question is posted." if first else
          "You already posted this question; here it is.", "success")
    return redirect(url)


def _answer_form(errors, status):
    page = queries.thread_page(current_user, request.view_args["thread_id"])
    return render_template("community/thread.html", page=page, thread=page.thread,
                           **thread_extras(page, current_user), answer_errors=errors,
                           answer_body=request.form.get("body", ""),
                           answer_token=form_token(request.form)), status


def _answer_url(post) -> str:
    return _thread_url(queries.visible_post(current_user, post.id)[1], f"post-{post.id}")


@bp.post("/t/<int:thread_id>/answer")
@login_required
@limiter.limit("30 per minute", on_breach=_too_many(_answer_form))
def answer(thread_id):
    try:
        url, first = submit_once(current_user, request.form.get(FIELD), lambda: _answer_url(
            services.create_answer(current_user, thread_id, request.form.get("body"))))
    except (ValidationFailed, Conflict) as exc:
        return _answer_form(exc.errors or {"form": [exc.detail]}, exc.status)
    flash("Your answer is posted." if first else
          "You already posted this answer; here it is.", "success")
    return redirect(url)


@bp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
@limiter.limit("30 per minute", methods=["POST"])
def edit_post(post_id):
    post, thread = queries.visible_post(current_user, post_id)
    form, errors = request.form, {}
    if request.method == "POST":
        try:
            if _save_edit(post, thread, form):
                flash("Your edit is saved; the earlier version is kept in the history.", "success")
            else:
                flash("Nothing changed, so no new revision was saved.", "info")
            return redirect(_thread_url(thread, f"post-{post.id}"))
        except ValidationFailed as exc:
            errors = exc.errors
    ensure(can_edit_post, current_user, post, thread)
    return render_template("community/edit.html", post=post, thread=thread, form=form,
                           errors=errors, categories=queries.categories(),
                           reason_max=REASON_MAX_LENGTH,
                           thread_tags=", ".join(queries.tag_names(thread.id))), \
        422 if errors else 200


def _save_edit(post, thread, form) -> bool:
    """Apply the edit form; True when anything changed (the thread's page version moved)."""
    reason = clean_text(form.get("reason"), single_line=True)
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationFailed({"reason": [
            f"must be at most {REASON_MAX_LENGTH} characters (it has {len(reason)})"]})
    version = thread.version
    if post.is_question:
        services.edit_thread(current_user, thread.id, title=form.get("title"),
                             body=form.get("body"), tags=form.get("tags", ""),
                             category=form.get("category"), reason=reason)
    else:
        services.edit_post(current_user, post.id, form.get("body"), reason=reason)
    return queries.thread_version(thread.id) != version


@bp.route("/posts/<int:post_id>/delete", methods=["GET", "POST"])
@login_required
def delete_post(post_id):
    """A confirm page first (no JavaScript needed); only its form, with `confirmed`, deletes."""
    if request.method == "GET" or request.form.get("confirmed") != "yes":
        post, thread = queries.visible_post(current_user, post_id)
        ensure(can_delete_post, current_user, post, thread)
        return render_template("community/confirm_delete.html", post=post, thread=thread)
    post = services.delete_post(current_user, post_id)
    if post.author_id == current_user.id or current_user.is_staff:
        return redirect(url_for("web.deleted_post", post_id=post.id))
    flash("The post is deleted.", "success")
    return redirect(_thread_url(queries.thread_page(current_user, post.thread_id).thread))


@bp.get("/posts/<int:post_id>/deleted")
@login_required
def deleted_post(post_id):
    """Where a deletion lands: the author's Undelete while it may still be undone."""
    post, thread = queries.restorable_post(current_user, post_id)
    return render_template("community/deleted.html", post=post, thread=thread,
                           until=None if current_user.is_staff else undelete_until(post))


@bp.post("/posts/<int:post_id>/restore")
@login_required
def restore_post(post_id):
    post = services.restore_post(current_user, post_id)
    flash("The post is restored.", "success")
    return redirect(_thread_url(queries.thread_page(current_user, post.thread_id).thread,
                                f"post-{post.id}"))


@bp.post("/posts/<int:post_id>/vote")
@login_required
@limiter.shared_limit(VOTE_LIMIT, scope=VOTE_SCOPE)
def vote(post_id):
    try:
        value = int(request.form.get("value", ""))
    except ValueError:
        value = None
    services.cast_vote(current_user, post_id, value)
    post, thread = queries.visible_post(current_user, post_id)
    return redirect(_thread_url(thread, f"post-{post.id}"))


@bp.post("/t/<int:thread_id>/accept")
@login_required
def accept(thread_id):
    raw = request.form.get("post_id", "")
    post_id = parse_id(raw) or None
    if raw and post_id is None:
        raise ValidationFailed({"post_id": ["must be an answer's id"]})
    thread = services.accept_answer(current_user, thread_id, post_id)
    flash("Answer accepted: the thread is solved." if post_id else "Acceptance removed.", "success")
    return redirect(_thread_url(thread, f"post-{post_id}" if post_id else None))


@bp.route("/categories/new", methods=["GET", "POST"])
@login_required
def new_category():
    ensure(can_manage_categories, current_user)
    form, errors, status = request.form, {}, 200
    if request.method == "POST":
        try:
            url, first = submit_once(current_user, form.get(FIELD), lambda: url_for(
                "web.category", slug=services.create_category(
                    current_user, form.get("name"), form.get("slug"),
                    form.get("description", "")).slug))
            flash("Category created." if first else "You already created this category.",
                  "success")
            return redirect(url)
        except (ValidationFailed, Conflict) as exc:
            errors, status = exc.errors or {"form": [exc.detail]}, exc.status
    return render_template("community/category_new.html", form=form, errors=errors,
                           token=form_token(form)), status
