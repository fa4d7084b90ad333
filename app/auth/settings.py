"""Account settings pages: change email (confirmed by mail) or password, sign out everywhere,
and the named API tokens (create, shown once; revoke)."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, logout_user
from flask_login.config import COOKIE_NAME

from app import mail
from app.auth import sign_in
from core.errors import Conflict, ValidationFailed
from app.extensions import limiter
from community import services

bp = Blueprint("settings", __name__)
REFUSED = (ValidationFailed, Conflict, services.SignInLocked)


def _page(form: str | None = None, errors: dict | None = None, status: int = 200):
    return render_template("auth/settings.html", form=form, errors=errors or {},
                           pending_email=services.pending_email(current_user)), status


@bp.get("/settings")
@login_required
def settings():
    return _page()


@bp.post("/settings/email")
@login_required
@limiter.limit("20 per hour")
def change_email():
    old_email = current_user.email
    try:
        user, link = services.update_account(current_user, request.form.get("current_password"),
                                             email=request.form.get("email", ""),
                                             address=request.remote_addr)
    except REFUSED as exc:
        return _page("email", exc.errors or {"current_password": [exc.detail]}, exc.status)
    if link is not None:
        mail.send_email_confirmation(user, old_email, *link)
        flash(f"We sent a confirmation link to {link[0]}; your email changes once you open it.",
              "success")
    return redirect(url_for("settings.settings"))


@bp.post("/settings/password")
@login_required
@limiter.limit("20 per hour")
def change_password():
    try:
        user, _ = services.update_account(current_user, request.form.get("current_password"),
                                          password=request.form.get("password", ""),
                                          address=request.remote_addr)
    except REFUSED as exc:
        return _page("password", exc.errors or {"current_password": [exc.detail]}, exc.status)
    # The stamp changed: this browser signs in again with it, every other one is signed out.
    sign_in(user, remember=COOKIE_NAME in request.cookies)
    flash("Password changed. Your other devices are signed out and your API tokens revoked.",
          "success")
    return redirect(url_for("settings.settings"))


@bp.post("/settings/sign-out-everywhere")
@login_required
def sign_out_everywhere():
    services.sign_out_everywhere(current_user)
    logout_user()
    flash("Signed out on every device, and your API tokens are revoked.", "success")
    return redirect(url_for("auth.login"))


@bp.route("/settings/tokens", methods=["GET", "POST"])
@login_required
@limiter.limit("30 per hour", methods=["POST"])
def tokens():
    secret, errors = None, {}
    if request.method == "POST":
        try:
            secret, _ = services.create_named_token(current_user, request.form.get("name"))
        except ValidationFailed as exc:
            errors = exc.errors
    html = render_template("auth/tokens.html", tokens=services.list_tokens(current_user),
                           secret=secret, errors=errors,
                           name=request.form.get("name", "") if errors else "")
    # A page showing a secret is never kept by a cache or the back button.
    return html, 422 if errors else 200, {"Cache-Control": "no-store"}


@bp.post("/settings/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id):
    services.revoke_token_by_id(current_user, token_id)
    flash("Token revoked; programs using it are signed out.", "success")
    return redirect(url_for("settings.tokens"))
