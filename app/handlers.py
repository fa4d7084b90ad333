"""Error handlers: problem+json under /api/, a plain page elsewhere; never a traceback to a user."""
from flask import jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from redis.exceptions import RedisError
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError

from core.errors import DomainError, problem
from core.database import db


def wants_json() -> bool:
    return request.path.startswith("/api/")


def problem_response(status: int, title: str, detail: str, errors: dict | None = None,
                     headers: dict | None = None):
    body = problem(status, title, detail)
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _page(status: int, title: str, detail: str, headers: dict | None = None):
    return render_template("errors/error.html", status=status, title=title, detail=detail), \
        status, headers or {}


def _forget_session() -> None:
    """Roll back the request's session; with the database gone the rollback may fail too."""
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001
        db.session.remove()


def _page_or_text(status: int, title: str, detail: str, headers: dict):
    """The error page, or plain text when the page itself cannot be rendered (its layout may
    ask the database, e.g. for the signed-in reader)."""
    try:
        return _page(status, title, detail, headers)
    except Exception:  # noqa: BLE001
        return f"{title}: {detail}", status, {**headers, "Content-Type": "text/plain; charset=utf-8"}


def init_app(app) -> None:
    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        db.session.rollback()
        # A busy database (503) and a locked sign-in (429) say when to come back.
        headers = {"Retry-After": str(exc.retry_after)} if getattr(exc, "retry_after", None) else {}
        if wants_json():
            return problem_response(exc.status, exc.title, exc.detail, exc.errors, headers)
        return _page(exc.status, exc.title, exc.detail, headers)

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        detail = "The form was missing its security token or it expired. Go back, reload and try again."
        if wants_json():
            return problem_response(400, "Bad request", detail)
        return _page(400, "Form expired", detail)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        headers = {k: v for k, v in exc.get_headers() if k.lower() in ("retry-after", "allow")}
        if exc.code == 429 and "Retry-After" not in headers:
            headers["Retry-After"] = "60"
        title, detail = exc.name, exc.description or exc.name
        if exc.code == 413:
            detail = f"The request is larger than the {app.config['MAX_CONTENT_LENGTH'] // 1024} KiB limit."
        if wants_json():
            return problem_response(exc.code or 500, title, detail, headers=headers)
        return _page(exc.code or 500, title, detail, headers)

    @app.errorhandler(DBAPIError)
    @app.errorhandler(PoolTimeout)
    @app.errorhandler(RedisError)
    def service_away(exc):
        """The database (or Redis) cannot be reached: a 503 that says when to come back. The
        pool drops broken connections, so the site heals by itself when the service returns."""
        if isinstance(exc, DBAPIError) and not (isinstance(exc, OperationalError)
                                                or exc.connection_invalidated):
            return server_error(exc)  # a bug in a statement, not an outage
        _forget_session()
        app.logger.error("service unreachable: %s", str(exc).splitlines()[0][:300])
        headers = {"Retry-After": str(app.config.get("DATABASE_RETRY_AFTER", 5))}
        detail = "The site cannot reach its database right now; nothing was saved. Try again shortly."
        if wants_json():
            return problem_response(503, "Service unavailable", detail, headers=headers)
        return _page_or_text(503, "Service unavailable", detail, headers)

    @app.errorhandler(InternalServerError)
    def server_error(exc):
        _forget_session()
        if wants_json():
            return problem_response(500, "Internal server error", "Something went wrong on our side.")
        return _page(500, "Something went wrong", "Something went wrong on our side; nothing you did.")
