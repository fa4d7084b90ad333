"""Form posts: ask, answer, edit, delete, vote, accept. Each calls one service and redirects."""
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from core.errors import Conflict, ValidationFailed
from app.extensions import limiter
from app.web import bp
from community import queries, services
from community.policies import can_edit_post, can_manage_categories, ensure


def _thread_url(thread, anchor: str | None = None):
    return url_for("web.thread", thread_id=thread.id, slug=thread.slug,
                   _anchor=anchor) if thread else url_for("web.home")


@bp.route("/ask", methods=["GET", "POST"])
@login_required
@limiter.limit("20 per minute", methods=["POST"])
def ask():
    form, errors = request.form, {}
    if request.method == "POST":
        try:
            thread = services.create_thread(current_user, form.get("title"), form.get("body"),
                                            form.get("category"), form.get("tags", ""))
            flash("Your question is posted.", "success")
            return redirect(_thread_url(thread))
        except ValidationFailed as exc:
            errors = exc.errors
    return render_template("community/ask.html", form=form, errors=errors,
                           categories=queries.categories(),
                           selected=form.get("category") or request.args.get("category")), \
        422 if errors else 200


@bp.post("/t/<int:thread_id>/answer")
@login_required
@limiter.limit("30 per minute")
def answer(thread_id):
    try:
        post = services.create_answer(current_user, thread_id, request.form.get("body"))
    except ValidationFailed as exc:
        page = queries.thread_page(current_user, thread_id)
        return render_template("community/thread.html", page=page, thread=page.thread,
                               answer_errors=exc.errors, answer_body=request.form.get("body", "")), 422
    flash("Your answer is posted.", "success")
    return redirect(_thread_url(queries.visible_post(current_user, post.id)[1], f"post-{post.id}"))


@bp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit_post(post_id):
    post, thread = queries.visible_post(current_user, post_id)
    form, errors = request.form, {}
    if request.method == "POST":
        try:
            if post.is_question:
                services.edit_thread(current_user, thread.id, title=form.get("title"),
                                     body=form.get("body"), tags=form.get("tags", ""),
                                     category=form.get("category"))
            else:
                services.edit_post(current_user, post.id, form.get("body"))
            flash("Your edit is saved; the earlier version is kept in the history.", "success")
            return redirect(_thread_url(thread, f"post-{post.id}"))
        except ValidationFailed as exc:
            errors = exc.errors
    ensure(can_edit_post, current_user, post, thread)
    return render_template("community/edit.html", post=post, thread=thread, form=form,
                           errors=errors, categories=queries.categories(),
                           thread_tags=", ".join(queries.tag_names(thread.id))), \
        422 if errors else 200


@bp.post("/posts/<int:post_id>/delete")
@login_required
def delete_post(post_id):
    post = services.delete_post(current_user, post_id)
    flash("The post is deleted.", "success")
    if post.is_question:
        return redirect(url_for("web.home"))
    return redirect(_thread_url(queries.thread_page(current_user, post.thread_id).thread))


@bp.post("/posts/<int:post_id>/vote")
@login_required
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
    post_id = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 10 else None
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
            category = services.create_category(current_user, form.get("name"), form.get("slug"),
                                                form.get("description", ""))
            flash(f"Category {category.name} created.", "success")
            return redirect(url_for("web.category", slug=category.slug))
        except (ValidationFailed, Conflict) as exc:
            errors, status = exc.errors, exc.status
    return render_template("community/category_new.html", form=form, errors=errors), status
