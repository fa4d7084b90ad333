"""Security headers on every response (a strict CSP with no inline script, no framing, no
sniffing), and URLs carrying characters no page or database takes are refused up front."""
from flask import abort, request

from core.database import UNSTORABLE

CSP = ("default-src 'self'; img-src 'self' https: data:; style-src 'self'; script-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def _unstorable(text: str) -> bool:
    return UNSTORABLE.search(text) is not None


def init_app(app) -> None:
    @app.before_request
    def refuse_unstorable_urls():
        if _unstorable(request.path) or any(_unstorable(k) or _unstorable(v)
                                            for k, v in request.args.items(multi=True)):
            abort(400, "The address contains a character that is not allowed (NUL).")

    @app.after_request
    def security_headers(response):
        # No view sets these itself; a plain update avoids a KeyError per header per request.
        response.headers.update(HEADERS)
        return response
