"""Moderators' pages: the review queue, a thread's moderation page (lock, close, move, merge),
finding users and a user's moderation page (suspend, silence, role, delete as spam). Each form
posts to one service and comes back with what happened."""
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.web import bp
from community import queries
from community.models import REVIEW_ACTIONS, ROLES
from community.policies import can_find_users, can_review, ensure, is_moderator
from community.services import review, thread_actions, user_actions
from core.database import parse_id
from core.errors import Conflict, ValidationFailed


def _done(action, success: str, back: str):
    """Run one service call; flash what happened (or what was wrong) and go back."""
    try:
        action()
        flash(success, "success")
    except (ValidationFailed, Conflict) as exc:
        messages = [f"{k}: {m}" for k, ms in (exc.errors or {}).items() for m in ms]
        flash(" ".join(messages) or exc.detail, "error")
    return redirect(back)


def _flag(name: str) -> bool:
    return request.form.get(name) == "true"


@bp.get("/review")
@login_required
def review_queue():
    status = "resolved" if request.args.get("status") == "resolved" else "pending"
    entries, next_cursor = review.queue(current_user, 20, parse_id(request.args.get("after")),
                                        status)
    return render_template("moderation/review.html", entries=entries, next_cursor=next_cursor,
                           status=status, actions=REVIEW_ACTIONS)


@bp.get("/me/flags")
@login_required
def my_flags():
    """A member's own flags and whether a moderator found them helpful."""
    flags = review.flags_of(current_user, 51, parse_id(request.args.get("before")))
    return render_template("moderation/my_flags.html", flags=flags[:50],
                           before=flags[49][0].id if len(flags) > 50 else None)


@bp.post("/review/<int:item_id>")
@login_required
def resolve_review(item_id):
    action = request.form.get("action")
    return _done(lambda: review.resolve(current_user, item_id, action, request.form.get("note")),
                 f"Done: {str(action)[:20]}.", url_for("web.review_queue"))


@bp.get("/staff/threads/<int:thread_id>")
@login_required
def moderate_thread(thread_id):
    page = queries.thread_page(current_user, thread_id)
    ensure(is_moderator, current_user)
    return render_template("moderation/thread.html", thread=page.thread,
                           categories=queries.categories(),
                           close_reasons=thread_actions.CLOSE_REASONS)


def _thread_back(thread_id):
    return url_for("web.moderate_thread", thread_id=thread_id)


@bp.post("/t/<int:thread_id>/lock")
@login_required
def lock_thread(thread_id):
    locked = _flag("locked")
    return _done(lambda: thread_actions.lock_thread(current_user, thread_id, locked,
                                                    request.form.get("reason")),
                 "The thread is locked." if locked else "The thread is unlocked.",
                 _thread_back(thread_id))


@bp.post("/t/<int:thread_id>/close")
@login_required
def close_thread(thread_id):
    closed = _flag("closed")
    return _done(lambda: thread_actions.close_thread(current_user, thread_id, closed,
                                                     request.form.get("reason")),
                 "The thread is closed to new answers." if closed else "The thread is reopened.",
                 url_for("web.thread", thread_id=thread_id))


@bp.post("/t/<int:thread_id>/move")
@login_required
def move_thread(thread_id):
    return _done(lambda: thread_actions.move_thread(current_user, thread_id,
                                                    request.form.get("category")),
                 "The thread is moved.", _thread_back(thread_id))


@bp.post("/t/<int:thread_id>/merge")
@login_required
def merge_thread(thread_id):
    into = parse_id(request.form.get("into_id", "").strip().lstrip("#"))
    if into is None:
        flash("into_id: must be a thread's number", "error")
        return redirect(_thread_back(thread_id))
    return _done(lambda: thread_actions.merge_threads(current_user, thread_id, into,
                                                      request.form.get("reason")),
                 "Merged: the answers are on the original now.",
                 url_for("web.thread", thread_id=into))


@bp.get("/staff/users")
@login_required
def find_users():
    ensure(can_find_users, current_user)
    q = request.args.get("q", "")
    users = user_actions.find_users(current_user, q, 51, parse_id(request.args.get("after")))
    return render_template("moderation/users.html", users=users[:50], q=q,
                           after=users[49].id if len(users) > 50 else None)


@bp.get("/staff/users/<int:user_id>")
@login_required
def moderate_user(user_id):
    ensure(is_moderator, current_user)
    return render_template("moderation/user.html", user=queries.user_by_id(user_id),
                           roles=ROLES)


def _user_back(user_id):
    return url_for("web.moderate_user", user_id=user_id)


_RESTRICTIONS = {
    "suspension": (user_actions.suspend, user_actions.unsuspend,
                   "Suspended: their sessions and API tokens are ended.",
                   "The suspension is lifted."),
    "silence": (user_actions.silence, user_actions.unsilence,
                "Silenced: they can read but not write.", "The silence is lifted."),
}


@bp.post("/staff/users/<int:user_id>/<any(suspension, silence):what>")
@login_required
def restrict_user(user_id, what):
    """Suspend or silence for the chosen period, or lift it (lift=true)."""
    impose, lift, imposed, lifted = _RESTRICTIONS[what]
    reason = request.form.get("reason")
    if request.form.get("lift") == "true":
        return _done(lambda: lift(current_user, user_id, reason), lifted, _user_back(user_id))
    return _done(lambda: impose(current_user, user_id, _days(), reason), imposed,
                 _user_back(user_id))


@bp.post("/staff/users/<int:user_id>/role")
@login_required
def change_role(user_id):
    return _done(lambda: user_actions.change_role(current_user, user_id,
                                                  request.form.get("role"),
                                                  request.form.get("reason")),
                 "The role is changed.", _user_back(user_id))


@bp.post("/staff/users/<int:user_id>/purge")
@login_required
def purge_user(user_id):
    if request.form.get("confirm") != "yes":
        flash("Tick the box to confirm: every post of theirs will be deleted.", "error")
        return redirect(_user_back(user_id))
    return _done(lambda: user_actions.purge_spammer(current_user, user_id,
                                                    request.form.get("reason")),
                 "Deleted as spam: suspended, and every post of theirs deleted.",
                 _user_back(user_id))


def _days():
    """The form's period: a number of days, or "" for until lifted."""
    raw = request.form.get("days", "").strip()
    return None if raw in ("", "forever") else (parse_id(raw) or raw)


def review_count() -> int | None:
    """The staff nav's count of pending items (moderators only)."""
    return review.pending_count() if can_review(current_user) else None

