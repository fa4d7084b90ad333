"""Strict API input: every POST/PATCH route (found in the OpenAPI document, so new routes are
covered without a line here) refuses bad shapes with a 400 and bad fields with a 422 naming every
one of them, writes nothing when it refuses, and never answers 500; ids and query strings too."""
import itertools
import json

import pytest
from sqlalchemy import func, select

from app.api.schemas import NewThread, NewUser
from core.database import db
from tests import factories

_addresses = itertools.count(1)
READ_ONLY = {"is_locked": True, "id": 1, "score": 5}


@pytest.fixture(autouse=True)
def no_rate_limits(app, monkeypatch):
    # Signed-in limits count per account and every route here is called many times by one
    # account: the limiter is set aside (tests/functional/test_rate_limits.py tests limits).
    from app.extensions import limiter
    monkeypatch.setattr(limiter, "enabled", False)


@pytest.fixture
def world(api):
    admin = factories.admin()
    category = factories.category(slug="general")
    thread = factories.thread(admin, category)
    answer = factories.answer(thread)
    token = api.token_for(admin.email)
    from community.models import ApiToken
    token_id = db.session.scalar(select(ApiToken.id).where(ApiToken.user_id == admin.id))
    values = {"thread_id": thread.id, "post_id": answer.id, "user_id": admin.id,
              "slug": category.slug, "token_id": token_id}
    values.update({"item_id": 1, "version": 1})  # a knowledge item (none exists here)
    values.update({"name": "general"})  # a tag (bodies are checked before it is looked up)
    return {"token": token, "values": values, "thread": thread}


def body_operations(document):
    for path, item in document["paths"].items():
        for method, op in item.items():
            if "requestBody" in op:
                ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                yield method.upper(), path, document["components"]["schemas"][ref.split("/")[-1]]


def send(api, world, method, path, **kwargs):
    url = path.removeprefix("/api/v1").format(**world["values"])
    n = next(_addresses)  # each request from its own address, so no rate limit is reached
    return api.call(method, url, world["token"],
                    environ_base={"REMOTE_ADDR": f"10.7.{n >> 8 & 255}.{n & 255}"}, **kwargs)


def rows() -> int:
    return sum(db.session.scalar(select(func.count()).select_from(t))
               for t in db.metadata.sorted_tables)


def assert_problem(response, status):
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert response.mimetype == "application/problem+json"
    assert {"type", "title", "status", "detail"} <= set(response.json)
    assert response.json["status"] == status
    return response.json


def kind(prop: dict) -> str:
    types = [prop.get("type")] + [p.get("type") for p in prop.get("anyOf", ())]
    return next(t for t in types if t and t != "null")


# Per JSON type: values of another type, including the ones a lax parser would let through.
WRONG = {
    "string": [5, ["text"], True, {"a": "b"}],
    "integer": [1.0, True, "3", 2**31, -(2**40)],
    "array": ["a,b", [1, None], {"0": "x"}],
    "boolean": ["true", 1, 0, [True], {"a": True}],
    "object": ["text", 5, [1], True],
}
SHAPES = [b"[" * 100_000, b'{"a":' * 50_000, b"{not json", b"[1, 2]", b'"text"', b"null",
          b'{"value": NaN}', b"\xff\xfe{}"]


def test_bad_shapes_are_400_on_every_body_route(api, world, openapi_document):
    before = rows()
    for method, path, _ in body_operations(openapi_document):
        for raw in SHAPES:
            assert_problem(send(api, world, method, path, data=raw,
                                content_type="application/json"), 400)
        assert_problem(send(api, world, method, path, data="value=1",
                            content_type="application/x-www-form-urlencoded"), 400)
    db.session.rollback()
    assert rows() == before


@pytest.mark.parametrize("variant", range(5))
def test_every_wrong_field_is_named_at_once(api, world, openapi_document, variant):
    before = rows()
    for method, path, schema in body_operations(openapi_document):
        payload = {name: WRONG[kind(prop)][variant % len(WRONG[kind(prop)])]
                   for name, prop in schema["properties"].items()}
        problem = assert_problem(send(api, world, method, path, json=payload | READ_ONLY), 422)
        assert set(problem["errors"]) == set(payload) | set(READ_ONLY), (method, path, problem)
        assert all(problem["errors"][field] for field in READ_ONLY)
    db.session.rollback()
    assert rows() == before


@pytest.mark.parametrize("poison", ["NUL\x00 inside a long enough text", "\ud800 lone surrogate text"])
def test_unstorable_characters_are_422_in_every_string_field(api, world, openapi_document, poison):
    before = rows()
    for method, path, schema in body_operations(openapi_document):
        strings = {n: p for n, p in schema["properties"].items() if kind(p) in ("string", "array")}
        if not strings:
            continue
        payload = {n: ([poison] if kind(p) == "array" else poison) for n, p in strings.items()}
        raw = json.dumps(payload)  # ensure_ascii: the surrogate travels as a \\ud800 escape
        problem = assert_problem(send(api, world, method, path, data=raw,
                                      content_type="application/json"), 422)
        assert set(strings) <= set(problem["errors"]), (method, path, problem)
    db.session.rollback()
    assert rows() == before


def test_patch_refuses_read_only_fields_and_changes_nothing(api, world):
    thread = world["thread"]
    response = send(api, world, "PATCH", "/threads/{thread_id}",
                    json={"is_locked": True, "title": "A perfectly fine new title"})
    assert assert_problem(response, 422)["errors"] == {
        "is_locked": ["is not a field of this request (unknown or read-only)"]}
    after = api.get(f"/threads/{thread.id}").json
    assert after["is_locked"] is False and after["title"] == thread.title


def test_the_messages_say_what_is_wrong(api, world):
    response = send(api, world, "POST", "/threads", json={
        "title": "A good title here", "body": "A body long enough", "category": "general",
        "tags": [1, None]})
    assert assert_problem(response, 422)["errors"] == {
        "tags": ["item 0: Input should be a valid string", "item 1: Input should be a valid string"]}
    vote = send(api, world, "POST", "/posts/{post_id}/vote", json={"value": 1.0})
    assert assert_problem(vote, 422)["errors"] == {"value": ["Input should be a valid integer"]}
    accept = send(api, world, "POST", "/threads/{thread_id}/accept", json={"post_id": "3"})
    assert "post_id" in assert_problem(accept, 422)["errors"]


def test_ids_past_32_bits_are_404_on_every_route(api, world, openapi_document):
    for path, item in openapi_document["paths"].items():
        if "_id}" not in path:
            continue
        for method in item:
            for huge in (2**31, 99_999_999_999, 10**30):
                url = path.removeprefix("/api/v1").format(**dict.fromkeys(world["values"], huge))
                assert_problem(api.call(method.upper(), url, world["token"], json={}), 404)


@pytest.mark.parametrize("query", [
    "limit=abc", "limit=0", "limit=-5", "limit=1.5", "cursor=garbage!!", "cursor=%00",
    "cursor=" + "W" * 201, "sort=best", "status=closed", "category=%00", "tag=x%00y",
])
def test_bad_query_parameters_are_400_on_every_list(api, world, openapi_document, query):
    for path, item in openapi_document["paths"].items():
        params = {p["name"] for p in item.get("get", {}).get("parameters", ()) if p["in"] == "query"}
        if query.split("=")[0] in params:
            url = path.removeprefix("/api/v1").format(**world["values"]) + "?" + query
            problem = assert_problem(api.get(url, world["token"]), 400)
            assert problem["detail"]


def test_body_limits_in_the_document_are_the_configured_defaults(app):
    config = app.config
    thread = NewThread.model_json_schema()["properties"]
    assert (thread["title"]["minLength"], thread["title"]["maxLength"]) == (
        config["TITLE_MIN_LENGTH"], config["TITLE_MAX_LENGTH"])
    assert thread["body"]["maxLength"] == config["BODY_MAX_LENGTH"]
    assert thread["tags"]["maxItems"] == config["MAX_TAGS"]
    user = NewUser.model_json_schema()["properties"]
    assert user["password"]["minLength"] == config["PASSWORD_MIN_LENGTH"]
    assert user["username"]["maxLength"] == config["USERNAME_MAX_LENGTH"]


@pytest.fixture
def openapi_document(client):
    return client.get("/api/v1/openapi.json").json
