"""Reputation pages: leaderboards, super-user nominations and grants, the audit log, marking
duplicates, flags, and the profile's reputation parts (badges, chart, paged lists)."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.web import bp, post_controls
from community import queries
from community.models import FLAG_REASONS
from community.policies import (can_flag, can_manage_super_users, can_read_audit_log, ensure,
                                privilege)
from community.services import moderation
from core.database import parse_id
from core.errors import BadRequest, Conflict, ValidationFailed
from reputation import badges, leaderboard, super_users
from reputation import queries as ledger_queries
from reputation.chart import reputation_chart
from reputation.ranks import next_rank

PAGE = 20


def thread_extras(page, viewer, shared: bool = False) -> dict:
    """What a thread page shows beyond community's ThreadPage: badge counts, the original, and
    each post's controls (`shared`: rendered for every reader with the viewer's rights)."""
    shown = [page.thread.author_id, *(a.author_id for a in page.answers)]
    return {"badge_tiers": badges.tier_counts(shown), "flag_reasons": FLAG_REASONS,
            "duplicate_of": queries.duplicate_of(viewer, page.thread.id),
            "controls": post_controls.for_page(viewer, page, page.my_votes, shared,
                                               bool(FLAG_REASONS))}


def profile_extras(user) -> dict:
    return {"badges": badges.badges_of(user.id), "chart": reputation_chart(user.id),
            "next_rank": next_rank(user.reputation),
            "top_answers": queries.user_posts(current_user, user, "answer", "votes", 5)}


def _flash_error(exc) -> None:
    flash(" ".join(m for ms in exc.errors.values() for m in ms) or exc.detail, "error")


def _offset() -> int:
    raw = request.args.get("page", "1")
    number = parse_id(raw)
    if number is None:
        abort(400, "That page does not exist; start again from the first.")
    return (number - 1) * PAGE


@bp.get("/leaderboard")
def leaderboard_page():
    period = request.args.get("period", "week")
    if period not in leaderboard.PERIODS:
        abort(400, f"period must be one of {', '.join(leaderboard.PERIODS)}")
    slug = request.args.get("category") or None
    category = queries.category_by_slug(slug) if slug else None
    offset = _offset()
    rows = leaderboard.gained(period, category.id if category else None, PAGE + 1, offset)
    return render_template("reputation/leaderboard.html", rows=rows[:PAGE], period=period,
                           periods=list(leaderboard.PERIODS), category=category,
                           categories=queries.categories(), offset=offset,
                           more=len(rows) > PAGE)


@bp.get("/u/<int:user_id>/<any(answers, questions, reputation):kind>/all")
def profile_list(user_id, kind):
    user = queries.user_by_id(user_id)
    offset = _offset()
    if kind == "reputation":
        rows = ledger_queries.page(user.id, PAGE + 1, offset)
    else:
        rows = queries.user_posts(current_user, user, kind.rstrip("s"), "newest", PAGE + 1,
                                  offset)
    return render_template("reputation/profile_list.html", user=user, kind=kind,
                           rows=rows[:PAGE], more=len(rows) > PAGE, offset=offset,
                           is_private=ledger_queries.is_private)


@bp.get("/staff/super-users")
@login_required
def nominations():
    ensure(can_manage_super_users, current_user)
    offset = _offset()
    rows = super_users.nominations(PAGE + 1, offset)
    return render_template("reputation/nominations.html", nominees=rows[:PAGE],
                           more=len(rows) > PAGE, offset=offset)


@bp.post("/u/<int:user_id>/super-user")
@login_required
def change_super_user(user_id):
    granted = request.form.get("granted") == "true"
    try:
        super_users.set_super_user(current_user, user_id, granted, request.form.get("reason"))
    except ValidationFailed as exc:
        _flash_error(exc)
        return redirect(url_for("web.profile", user_id=user_id))
    flash("Super-user status granted." if granted else "Super-user status revoked.", "success")
    return redirect(url_for("web.profile", user_id=user_id))


@bp.get("/staff/audit")
@login_required
def audit_log():
    ensure(can_read_audit_log, current_user)
    try:
        entries, next_cursor = queries.audit_entries(50, request.args.get("cursor"))
    except BadRequest as exc:
        abort(400, exc.detail)
    return render_template("reputation/audit.html", entries=entries, next_cursor=next_cursor)


@bp.post("/t/<int:thread_id>/duplicate")
@login_required
def mark_duplicate(thread_id):
    original = parse_id(request.form.get("original_id", "").strip().lstrip("#"))
    try:
        moderation.mark_duplicate(current_user, thread_id, original)
        flash("Marked as a duplicate; readers are pointed to the original.", "success")
    except (ValidationFailed, Conflict) as exc:
        _flash_error(exc)
    return redirect(url_for("web.thread", thread_id=thread_id))


@bp.get("/posts/<int:post_id>/flag")
@login_required
def flag_page(post_id):
    """The flag form for one post (the thread page links here from each post)."""
    post, thread = queries.visible_post(current_user, post_id)
    ensure(can_flag, current_user, post, thread)
    return render_template("reputation/flag.html", post=post, thread=thread,
                           flag_reasons=FLAG_REASONS)


@bp.post("/posts/<int:post_id>/flag")
@login_required
def flag(post_id):
    try:
        flag_ = moderation.flag_post(current_user, post_id, request.form.get("reason"),
                                     request.form.get("detail", ""))
        flash("Thank you: a moderator will look at it.", "success")
        post_id = flag_.post_id
    except (ValidationFailed, Conflict) as exc:
        _flash_error(exc)
    _, thread = queries.visible_post(current_user, post_id)
    return redirect(url_for("web.thread", thread_id=thread.id, slug=thread.slug,
                            _anchor=f"post-{post_id}"))


def locked_privileges(user) -> list[str]:
    """What the signed-in reader cannot do yet, each with the reputation that unlocks it."""
    if user.is_anonymous_user:
        return []
    return [d.reason for d in (privilege(user, n) for n in ("edit_others", "close", "flag"))
            if not d]
