"""Notification pages: the bell's list (grouped by day, paged), mark read, mail settings, the
watch forms on thread, category and tag pages, and the one-click unsubscribe link. No JS needed."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app import mail
from app.auth import next_from_request
from app.extensions import csrf
from app.notifications import kinds, mailing, service
from app.notifications.models import LEVELS
from core.database import parse_id
from core.errors import BadRequest, ValidationFailed
from core.time import utcnow

bp = Blueprint("notifications", __name__)
PAGE = 20


def _groups(rows) -> list[tuple[str, list]]:
    """Today, Yesterday, This week, Earlier: the page's headings, newest first."""
    today = utcnow().date()
    def label(row):
        days = (today - row.updated_at.date()).days
        return "Today" if days <= 0 else "Yesterday" if days == 1 else \
            "This week" if days < 7 else "Earlier"
    groups: list[tuple[str, list]] = []
    for row in rows:
        if not groups or groups[-1][0] != label(row):
            groups.append((label(row), []))
        groups[-1][1].append(row)
    return groups


@bp.get("/notifications")
@login_required
def index():
    unread_only = request.args.get("unread") == "true"
    try:
        rows, next_cursor = service.list_for(current_user, unread_only, PAGE,
                                             request.args.get("cursor"))
    except BadRequest as exc:
        abort(400, exc.detail)
    return render_template("notifications/index.html", groups=_groups(rows),
                           next_cursor=next_cursor, unread_only=unread_only)


@bp.post("/notifications/read")
@login_required
def read():
    ids = [i for i in map(parse_id, request.form.getlist("id")) if i is not None]
    everything = request.form.get("all") == "true"
    service.mark_read(current_user, ids, everything)
    flash("All notifications marked read." if everything else "Marked read.", "success")
    return redirect(next_from_request(url_for("notifications.index")))


@bp.route("/settings/notifications", methods=["GET", "POST"])
@login_required
def settings():
    errors, status = {}, 200
    if request.method == "POST":
        email = {k: request.form.get(f"email_{k}") for k in kinds.KINDS
                 if request.form.get(f"email_{k}") is not None}
        try:
            service.update_settings(current_user, email, request.form.get("digest"))
        except ValidationFailed as exc:
            errors, status = exc.errors, exc.status
        else:
            flash("Your notification settings are saved.", "success")
            return redirect(url_for("notifications.settings"))
    return render_template("notifications/settings.html", settings=kinds.settings_of(
        current_user.id), kinds=kinds, errors=errors), status


@bp.post("/settings/notifications/confirm")
@login_required
def confirm_address():
    if mail.confirm_address(current_user):
        flash(f"We sent a confirmation link to {current_user.email}.", "success")
    return redirect(url_for("notifications.settings"))


def _watch(target_type: str, ref, back: str):
    try:
        service.set_watch(current_user, target_type, ref, request.form.get("level"))
    except ValidationFailed as exc:
        flash("; ".join(m for ms in exc.errors.values() for m in ms), "error")
    else:
        flash(f"You are now {request.form['level']} this {target_type}.", "success")
    return redirect(back)


@bp.post("/t/<int:thread_id>/watch")
@login_required
def watch_thread(thread_id):
    return _watch("thread", thread_id, url_for("web.thread", thread_id=thread_id))


@bp.post("/c/<slug>/watch")
@login_required
def watch_category(slug):
    return _watch("category", slug, url_for("web.category", slug=slug))


@bp.post("/tags/<name>/watch")
@login_required
def watch_tag(name):
    return _watch("tag", name, url_for("web.threads", tag=name))


@bp.route("/notifications/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: the mail program posts it without a session; the signed token is the key
def unsubscribe(token):
    found = mailing.read_unsubscribe_token(token)
    if found is None:
        abort(404, "This unsubscribe link is not valid.")
    user_id, kind = found
    if request.method == "POST":
        service.unsubscribe(user_id, kind)
        return render_template("notifications/unsubscribed.html", kind=kind, done=True,
                               label=kinds.LABELS.get(kind, "digest mail"))
    return render_template("notifications/unsubscribed.html", kind=kind, done=False, token=token,
                           label=kinds.LABELS.get(kind, "digest mail"))


def watch_form_context() -> dict:
    """Template helpers: the reader's level on a target, and the choices."""
    return {"watch_level": lambda type_, id_: service.watch_level(current_user, type_, id_),
            "watch_levels": LEVELS}


