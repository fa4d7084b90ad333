"""The "This solved my problem" form (solved threads and knowledge items): one mark per visitor.

The form is the same on every cached copy of a page: anonymous pages carry no CSRF token (they
are shared), so an anonymous post is accepted only from this site (its Origin or Referer); a
signed-in reader's page carries their token, checked as every form's. The thanks is a flash
after the redirect, so the page that shows it is never cached."""
import secrets
from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, request, session, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms import ValidationError

from app.extensions import csrf, limiter
from app.web import bp
from community.deflections import RATE_LIMIT, mark_helpful, visitor_key
from core.errors import Conflict
from search import analytics


@bp.post("/t/<int:thread_id>/helpful")
@csrf.exempt
@limiter.limit(RATE_LIMIT)
def helpful(thread_id):
    _check_request()
    anonymous_id = ""
    if current_user.is_anonymous_user:  # a random id in the session cookie: never the address
        anonymous_id = session.setdefault("visitor", secrets.token_hex(16))
    visitor = visitor_key(current_user, anonymous_id, current_app.config["SECRET_KEY"])
    try:
        query = request.form.get("q") or analytics.leading_query(thread_id)
        counted = mark_helpful(current_user, thread_id, visitor, query)
    except Conflict:  # the same visitor twice at once: the other request counted it
        counted = False
    flash("Thanks for telling us: glad it solved your problem." if counted else
          "You already told us this solved your problem. Thanks!", "success")
    return redirect(_back(thread_id))


def _check_request() -> None:
    if not current_user.is_anonymous_user:
        try:
            validate_csrf(request.form.get("csrf_token"))
        except ValidationError as exc:
            raise CSRFError(str(exc)) from None
    elif not _same_site():
        abort(400, "This form must be sent from this site's own page.")


def _same_site() -> bool:
    """A browser names where a form post came from; it must be one of our own pages."""
    if request.headers.get("Sec-Fetch-Site") == "same-origin":
        return True
    here = urlsplit(request.host_url)
    origin = request.headers.get("Origin") or request.referrer or ""
    there = urlsplit(origin)
    return (there.scheme, there.netloc) == (here.scheme, here.netloc)


def _back(thread_id: int) -> str:
    """Back to the page the form was on (a local path only), else the thread."""
    target = request.form.get("next", "")
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("web.thread", thread_id=thread_id)
