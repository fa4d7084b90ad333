"""Thread pages answered in front of Flask, from pages already kept, with no request context,
routing or templates:
- an anonymous reader's plain GET (no cookie of ours, no query string) gets the kept page with
  the headers the view would have sent;
- a signed-in reader's plain GET gets the kept rendering shared by readers with their rights,
  with their own parts filled in from one indexed query (app/web/overlay.py), when their
  session cookie is valid and already holds its CSRF secret (nothing to set in it).
Everything else goes to Flask as usual: another page, a session Flask must change (flashes, a
new CSRF secret, a sign-in from the remember cookie), a page not kept here (Flask also looks in
Redis and renders), any error on this path, and one request whenever the event log is due a
look (page_cache.CHECK_SECONDS), so kept pages stay as true as before.
"""
import logging
import re
import time

from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.http import parse_cookie

from app.auth import parse_session_id
from app.security import HEADERS
from app.web import overlay, page_cache
from app.web.submissions import new_token
from community.services.accounts import digest, stamps_equal
from community.viewcounts import record_view

_THREAD = re.compile(r"^/t/([0-9]{1,18})/([^/]+)$")
log = logging.getLogger("commonplace.front_cache")
READER = "commonplace.reader"  # environ key: (thread id, overlay.Reader) read in front


def etag(thread_id: int, version: int) -> str:
    return f'"t{thread_id}-v{version}"'


def page_headers(thread_id: int, version: int) -> dict[str, str]:
    """What an anonymous thread page is sent with (the view and this layer alike)."""
    return {"ETag": etag(thread_id, version), "Cache-Control": "public, no-cache",
            "Vary": "Cookie"}


def _front(entry) -> tuple[str, list]:
    """An anonymous page's ETag and headers (those of a 304 first), made once per kept page."""
    headers = {**page_headers(entry.thread_id, entry.version), **HEADERS}
    entry.front = (headers["ETag"], [*headers.items(), (
        "Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(entry.body)))])
    return entry.front


READER_HEADERS = {"Content-Type": "text/html; charset=utf-8", "Vary": "Cookie", **HEADERS}


class FrontCache:
    def __init__(self, wsgi_app, app):
        self.wsgi_app = wsgi_app
        self.app = app
        self.session_cookie = app.config["SESSION_COOKIE_NAME"]
        self.cookies = tuple(f"{name}=" for name in (
            self.session_cookie, app.config.get("REMEMBER_COOKIE_NAME", "remember_token")))
        self._readers = None  # what the signed-in path needs from the app, made on first use

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") != "GET" or environ.get("QUERY_STRING") or \
                environ.get("SCRIPT_NAME"):  # mounted under a prefix: Flask builds its links
            return self.wsgi_app(environ, start_response)
        match = _THREAD.match(environ.get("PATH_INFO", ""))
        if match is None or page_cache.log_due():
            return self.wsgi_app(environ, start_response)
        thread_id, slug = int(match.group(1)), match.group(2)
        cookie = environ.get("HTTP_COOKIE", "")
        if cookie and any(name in cookie for name in self.cookies):
            try:
                body = self._reader_page(environ, cookie, thread_id, slug)
            except Exception:  # noqa: BLE001 - Flask answers, with its own error handling
                log.exception("the signed-in page of thread %s went to Flask", thread_id)
                body = None
            if body is None:
                return self.wsgi_app(environ, start_response)
            start_response("200 OK", [*READER_HEADERS.items(),
                                      ("Content-Length", str(len(body)))])
            return [body]
        entry = page_cache.kept(thread_id)
        if entry is None or entry.slug != slug:
            return self.wsgi_app(environ, start_response)
        record_view(thread_id, self.app)
        tag, headers = entry.front or _front(entry)
        if tag in environ.get("HTTP_IF_NONE_MATCH", "").split(", "):
            start_response("304 NOT MODIFIED", headers[:-2])
            return [b""]
        start_response("200 OK", list(headers))
        return [entry.body]

    def _reader_page(self, environ, cookie: str, thread_id: int, slug: str) -> bytes | None:
        """A signed-in reader's page from the rendering their rights share, or None (Flask).
        A reader read here whose page is not kept is handed on (READER), not read twice."""
        value = parse_cookie(cookie).get(self.session_cookie)
        if not value:
            return None
        readers = self._readers or self._prepare()
        session = readers.recent.get(("session", value))
        if session is None:
            try:
                session = readers.sessions.loads(value, max_age=readers.max_age)
            except BadSignature:
                return None
            readers.recent.put(("session", value), session)
        named = parse_session_id(session.get("_user_id")) if isinstance(session, dict) else None
        raw_csrf = session.get("csrf_token") if named else None
        if not isinstance(raw_csrf, str) or "_flashes" in session:
            return None
        reader = overlay.read(named[0], thread_id, digest(named[2]), readers.engine,
                              self.app.config)
        if reader is None or not stamps_equal(reader.stamp, named[1]):
            return None
        entry = page_cache.kept_shared(reader.key(thread_id), reader.version)
        if entry is None or entry.slug != slug:
            environ[READER] = (thread_id, reader)
            return None
        token = readers.recent.get(("csrf", raw_csrf))
        if token is None:
            token = readers.csrf.dumps(raw_csrf)
            readers.recent.put(("csrf", raw_csrf), token)
        mine = readers.recent.get(("parts", reader.user_id, reader.username, reader.unread))
        if mine is None:
            mine = reader.own_parts(readers.build)
            readers.recent.put(("parts", reader.user_id, reader.username, reader.unread), mine)
        body = entry.body.fill({**mine, "csrf": token.encode(), "sub": new_token().encode()},
                               reader.chosen())
        record_view(thread_id, self.app)
        return body

    def _prepare(self):
        """Made once: the app's session and CSRF signers, its engine and a URL builder."""
        app = self.app
        with app.app_context():
            from core.database import db
            engine = db.engine
        adapter = app.url_map.bind("localhost", script_name="/")

        def build(endpoint, **values):
            return adapter.build(endpoint, values)

        secret = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
        self._readers = _Readers(
            sessions=app.session_interface.get_signing_serializer(app),
            max_age=int(app.permanent_session_lifetime.total_seconds()),
            # Flask-WTF's generate_csrf signs the session's secret this way (flask_wtf.csrf).
            csrf=URLSafeTimedSerializer(secret, salt="wtf-csrf-token"),
            engine=engine, build=build, recent=Recent())
        return self._readers


class _Readers:
    def __init__(self, **parts):
        self.__dict__.update(parts)


class Recent:
    """What this process worked out in the last SECONDS for a key that fully decides it: a
    session cookie's verified contents, a CSRF secret's signed token (valid for an hour, so one
    a minute old is as good), a reader's header parts. Bounded: emptied when full."""
    SECONDS = 60.0
    SIZE = 4096

    def __init__(self):
        self._items: dict = {}

    def get(self, key):
        found = self._items.get(key)
        if found is None or time.monotonic() - found[1] > self.SECONDS:
            return None
        return found[0]

    def put(self, key, value) -> None:
        if len(self._items) >= self.SIZE:
            self._items = {}
        self._items[key] = (value, time.monotonic())
