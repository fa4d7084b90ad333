"""Administrators' pages: watched words, categories (rename, reorder, retire) and the
moderation settings. Each form posts to one service and comes back with what happened."""
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.web import bp
from app.web.moderation import _done
from community import queries
from community.models import WATCH_ACTIONS
from community.policies import can_manage_categories, can_manage_site, ensure
from community.services import site_admin
from community.settings import PRESET, SETTINGS, all_settings


@bp.get("/staff/watched-words")
@login_required
def watched_words():
    return render_template("moderation/watched_words.html",
                           words=site_admin.watched_words(current_user), actions=WATCH_ACTIONS)


@bp.post("/staff/watched-words")
@login_required
def add_watched_word():
    form = request.form
    return _done(lambda: site_admin.add_watched_word(current_user, form.get("word"),
                                                     form.get("action"), form.get("replacement")),
                 "The word is watched.", url_for("web.watched_words"))


@bp.post("/staff/watched-words/<int:word_id>/delete")
@login_required
def remove_watched_word(word_id):
    return _done(lambda: site_admin.remove_watched_word(current_user, word_id),
                 "The word is no longer watched.", url_for("web.watched_words"))


@bp.get("/staff/categories")
@login_required
def manage_categories():
    ensure(can_manage_categories, current_user)
    return render_template("moderation/categories.html", categories=queries.categories())


@bp.post("/staff/categories/<slug>")
@login_required
def edit_category(slug):
    form = request.form
    position = form.get("position", "").strip()
    number = int(position) if position.lstrip("-").isdigit() and len(position) < 8 else position
    return _done(lambda: site_admin.update_category(
        current_user, slug, form.get("name"), form.get("description"),
        number if position else None), "The category is saved.", url_for("web.manage_categories"))


@bp.post("/staff/categories/<slug>/delete")
@login_required
def delete_category(slug):
    if request.form.get("confirm") != "yes":
        flash("Tick the box to confirm: the category goes, its threads move.", "error")
        return redirect(url_for("web.manage_categories"))
    return _done(lambda: site_admin.delete_category(current_user, slug,
                                                    request.form.get("move_to")),
                 "The category is retired; its threads moved.", url_for("web.manage_categories"))


@bp.route("/staff/settings", methods=["GET", "POST"])
@login_required
def moderation_settings():
    ensure(can_manage_site, current_user)
    if request.method == "POST":
        values = {name: request.form.get(name, "") for name in (*SETTINGS, PRESET)
                  if name in request.form}
        return _done(lambda: site_admin.save_settings(current_user, values),
                     "The settings are saved.", url_for("web.moderation_settings"))
    return render_template("moderation/settings.html", settings=all_settings(),
                           presets=list(current_app.config["REPUTATION_PRESETS"]))

