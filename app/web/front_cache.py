"""Anonymous thread pages answered in front of Flask: a plain GET of a kept page by a visitor
with no session (no cookie of ours, no query string) is served from the page cache in the WSGI
layer, with the headers the view would have sent, without a request context, session, login
or routing. Everything else, and one request whenever the event log is due a look
(page_cache.CHECK_SECONDS), goes to Flask as usual, so kept pages stay as true as before.
"""
import re

from app.security import HEADERS
from app.web import page_cache
from community.viewcounts import record_view

_THREAD = re.compile(r"^/t/([0-9]{1,18})/([^/]+)$")


def etag(thread_id: int, version: int) -> str:
    return f'"t{thread_id}-v{version}"'


def page_headers(thread_id: int, version: int) -> dict[str, str]:
    """What an anonymous thread page is sent with (the view and this layer alike)."""
    return {"ETag": etag(thread_id, version), "Cache-Control": "public, no-cache",
            "Vary": "Cookie"}


class FrontCache:
    def __init__(self, wsgi_app, app):
        self.wsgi_app = wsgi_app
        self.app = app
        self.cookies = tuple(f"{name}=" for name in (
            app.config["SESSION_COOKIE_NAME"],
            app.config.get("REMEMBER_COOKIE_NAME", "remember_token")))

    def __call__(self, environ, start_response):
        entry = self._kept(environ)
        if entry is None:
            return self.wsgi_app(environ, start_response)
        thread_id = entry.thread_id
        with self.app.app_context():  # the view counter's spool lives in the instance folder
            record_view(thread_id)
        headers = {**page_headers(thread_id, entry.version), **HEADERS}
        if headers["ETag"] in environ.get("HTTP_IF_NONE_MATCH", "").split(", "):
            start_response("304 NOT MODIFIED", list(headers.items()))
            return [b""]
        headers.update({"Content-Type": "text/html; charset=utf-8",
                        "Content-Length": str(len(entry.body))})
        start_response("200 OK", list(headers.items()))
        return [entry.body]

    def _kept(self, environ):
        """The kept page this request may be answered with, or None (Flask answers)."""
        if environ.get("REQUEST_METHOD") != "GET" or environ.get("QUERY_STRING"):
            return None
        match = _THREAD.match(environ.get("PATH_INFO", ""))
        if match is None:
            return None
        cookie = environ.get("HTTP_COOKIE", "")
        if cookie and any(name in cookie for name in self.cookies):
            return None
        if page_cache.log_due():
            return None
        entry = page_cache.kept(int(match.group(1)))
        if entry is None or entry.slug != match.group(2):
            return None
        return entry
