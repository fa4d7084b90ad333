"""Account pages: register, sign in (with the per-account lockout), sign out, and the mailed
links: forgot/reset password and confirm a new email address."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, logout_user

from app import mail
from app.auth import next_from_request, sign_in, sign_out
from core.errors import Conflict, ValidationFailed
from app.extensions import limiter
from community import services
from community.policies import can_sign_in

bp = Blueprint("auth", __name__)
BAD_LOGIN = "That email/username and password do not match an account."
RESET_SENT = ("If that address has an account, we have sent it a link to reset the password. "
              "It works once, within an hour.")


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
            sign_in(user)
            mail.confirm_address(user)
            flash(f"Welcome, {user.username}!", "success")
            return redirect(next_from_request(url_for("web.home")))
    return render_template("auth/register.html", form=form, errors=errors), status


def _sign_in() -> tuple[object, str | None, int, dict]:
    """(user, error, status, headers) for the posted login form."""
    try:
        user = services.authenticate(request.form.get("login", ""),
                                     request.form.get("password", ""), request.remote_addr)
    except services.SignInLocked as exc:
        return None, exc.detail, 429, {"Retry-After": str(exc.retry_after)}
    except ValidationFailed:
        return None, "That password contains characters no password can have.", 422, {}
    if user is not None and not (allowed := can_sign_in(user)):
        return None, allowed.reason, 403, {}
    return (user, None, 200, {}) if user is not None else (None, BAD_LOGIN, 401, {})


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def login():
    error, status, headers = None, 200, {}
    if request.method == "POST":
        user, error, status, headers = _sign_in()
        if user is not None:
            sign_in(user, remember=bool(request.form.get("remember")))
            flash(f"Signed in as {user.username}.", "success")
            return redirect(next_from_request(url_for("web.home")))
    return render_template("auth/login.html", error=error, login=request.form.get("login", ""),
                           next=next_from_request("")), status, headers


@bp.post("/logout")
@login_required
def logout():
    sign_out()  # this browser only; "sign out everywhere" is on the settings page
    flash("Signed out.", "success")
    return redirect(url_for("web.home"))


@bp.get("/me")
@login_required
def me():
    return redirect(url_for("web.profile", user_id=current_user.id, username=current_user.username))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("5 per hour", methods=["POST"])
def forgot_password():
    errors = {}
    if request.method == "POST":
        try:
            issued = services.request_password_reset(request.form.get("email"))
        except ValidationFailed as exc:
            errors = exc.errors
        else:
            if issued is not None:
                mail.send_password_reset(*issued)
            flash(RESET_SENT, "success")  # the same answer whether or not the account exists
            return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", errors=errors,
                           email=request.form.get("email", "")), 422 if errors else 200


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def reset_password(token):
    errors = {}
    if request.method == "POST":
        try:
            services.reset_password(token, request.form.get("password"))
        except ValidationFailed as exc:
            errors = exc.errors
        else:
            logout_user()
            flash("Your password is changed and every device is signed out. "
                  "Sign in with the new password.", "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", token=token, errors=errors), \
        422 if errors else 200


@bp.route("/email/confirm/<token>", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def confirm_email(token):
    errors, status = {}, 200
    if request.method == "POST":
        try:
            user = services.confirm_email_change(token)
        except (ValidationFailed, Conflict) as exc:
            errors, status = exc.errors, exc.status
        else:
            flash(f"Your account's email is now {user.email}.", "success")
            return redirect(url_for("settings.settings") if current_user.is_authenticated
                            else url_for("auth.login"))
    return render_template("auth/confirm_email.html", token=token, errors=errors), status
