"""Account pages: register, sign in, sign out."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from app.auth import next_from_request
from core.errors import Conflict, ValidationFailed
from app.extensions import limiter
from community import services

bp = Blueprint("auth", __name__)


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def register():
    form, errors, status = request.form, {}, 200
    if request.method == "POST":
        try:
            user = services.register_user(form.get("username"), form.get("email"),
                                          form.get("password"))
        except (ValidationFailed, Conflict) as exc:
            errors, status = exc.errors, exc.status
        else:
            login_user(user)
            flash(f"Welcome, {user.username}!", "success")
            return redirect(next_from_request(url_for("web.home")))
    return render_template("auth/register.html", form=form, errors=errors), status


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def login():
    error = None
    if request.method == "POST":
        user = services.authenticate(request.form.get("login", ""),
                                     request.form.get("password", ""))
        if user is not None:
            login_user(user, remember=bool(request.form.get("remember")))
            flash(f"Signed in as {user.username}.", "success")
            return redirect(next_from_request(url_for("web.home")))
        error = "That email/username and password do not match an account."
    return render_template("auth/login.html", error=error, login=request.form.get("login", ""),
                           next=next_from_request("")), 401 if error else 200


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash("Signed out.", "success")
    return redirect(url_for("web.home"))


@bp.get("/me")
@login_required
def me():
    return redirect(url_for("web.profile", user_id=current_user.id, username=current_user.username))
