"""`@operation`: one decorator per API route declares its body and query models, its response and
its errors; it validates the input, runs the view (once per Idempotency-Key on POST), answers,
and records the route for the OpenAPI document (app/api/openapi.py)."""
import inspect
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import Response, jsonify
from pydantic import BaseModel

from app.api import bp, idempotency
from app.api.core import require_actor
from app.api.inputs import parse_body, parse_query
from app.api.schemas import UNSTORABLE
from app.extensions import limiter
from core.errors import NotFound


@dataclass
class Operation:
    method: str
    rule: str
    endpoint: str
    doc: str
    returns: Any = None           # a serializers TypedDict, or None for "no body"
    status: int | None = None     # default 200, or 204 when nothing is returned
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    errors: tuple[int, ...] = ()  # beyond the ones every route of its kind may give
    auth: str = "optional"        # "optional": anonymous callers welcome; "required": a token
    limit: str | None = None      # a Flask-Limiter rate, e.g. "20 per minute"
    limit_scope: str | None = None  # a budget shared with the web form of the same action
    idempotent: bool = True       # POST only; False where the response holds a secret
    path_params: list[str] = field(default_factory=list)

    def __post_init__(self):
        self.status = self.status or (200 if self.returns else 204)

    @property
    def replays(self) -> bool:
        return self.method == "POST" and self.idempotent


OPERATIONS: list[Operation] = []


def operation(method: str, rule: str, **options):
    """Register `view` at `rule`. The view gets the path values, `body=` and `query=` models,
    and returns the response body (a dict), None for no body, or a Response (see `created`).
    A new route: a body model in schemas.py, a response TypedDict in serializers.py, and

        @operation("POST", "/me/tokens", body=NewToken, status=201, returns=s.NewToken,
                   auth="required", idempotent=False)  # False: the response holds a secret
        def create_my_token(body: NewToken):
            # (a docstring: its first line is the summary in the OpenAPI document)
            token = services.issue_named_token(actor(), body.name)
            return created(s.new_token(token), url_for("api.get_my_token", token_id=token.id))
    """

    def decorate(view):
        op = Operation(method, rule, view.__name__, inspect.getdoc(view) or "", **options)
        op.path_params = [name for name in inspect.signature(view).parameters
                          if name not in ("body", "query")]
        OPERATIONS.append(op)

        @wraps(view)
        def endpoint(**path):
            if any(isinstance(v, str) and UNSTORABLE.search(v) for v in path.values()):
                raise NotFound("No such thing.")
            if op.auth == "required":
                require_actor()
            kwargs, data = dict(path), None
            if op.query:
                kwargs["query"] = parse_query(op.query)
            if op.body:
                kwargs["body"], data = parse_body(op.body)
            run = lambda: _respond(op, view(**kwargs))  # noqa: E731
            return idempotency.once(run, data) if op.replays else run()

        if op.limit and op.limit_scope:
            endpoint = limiter.shared_limit(op.limit, scope=op.limit_scope)(endpoint)
        elif op.limit:
            endpoint = limiter.limit(op.limit)(endpoint)
        bp.add_url_rule(rule, op.endpoint, endpoint, methods=[method])
        return view

    return decorate


def created(body: dict, location: str) -> Response:
    """A 201 with the new resource's API URL in Location."""
    response = jsonify(body)
    response.status_code = 201
    response.headers["Location"] = location
    return response


def _respond(op: Operation, result) -> Response:
    if isinstance(result, Response):
        response = result
    elif result is None:
        response = Response(status=op.status)
    else:
        response = jsonify(result)
        response.status_code = op.status
    if response.status_code == 201 and "Location" not in response.headers:
        raise RuntimeError(f"{op.endpoint}: a 201 needs a Location (use created())")
    return response
