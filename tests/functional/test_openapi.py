"""The OpenAPI document: valid 3.1, in step with the routes, and true of real responses."""
import copy
import re

import pytest
from openapi_schema_validator import OAS31Validator, oas31_format_checker
from openapi_schema_validator import validate as validate_schema
from openapi_spec_validator import validate as validate_spec

from tests import factories

SKIPPED_METHODS = {"HEAD", "OPTIONS"}


@pytest.fixture
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.json


def resolve(node, document):
    """A copy of `node` with every local $ref inlined (the document's refs are not recursive)."""
    if isinstance(node, list):
        return [resolve(item, document) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return resolve(target, document)
    return {key: resolve(value, document) for key, value in node.items()}


def closed(schema):
    """The schema with undocumented properties refused, so a response cannot outgrow its doc."""
    schema = copy.deepcopy(schema)

    def walk(node):
        if isinstance(node, dict):
            if "properties" in node and "additionalProperties" not in node:
                node["additionalProperties"] = False
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return schema


def check(document, response, method: str, template: str, status: int):
    """Assert the status, then validate the body against what the document promises for it."""
    assert response.status_code == status, response.get_data(as_text=True)
    operation = document["paths"][template][method.lower()]
    documented = resolve(operation["responses"][str(status)], document)
    if "content" not in documented:
        assert response.get_data() == b""
        return None
    media = response.mimetype
    assert media in documented["content"], f"{media} undocumented: {method} {template} {status}"
    schema = closed(documented["content"][media]["schema"])
    validate_schema(response.json, schema, cls=OAS31Validator, format_checker=oas31_format_checker)
    return response.json


def test_document_is_valid_openapi_31(document):
    assert document["openapi"] == "3.1.0"
    validate_spec(document)
    bearer = document["components"]["securitySchemes"]["bearer"]
    assert (bearer["type"], bearer["scheme"]) == ("http", "bearer")
    for name in ("User", "UserBrief", "Category", "Thread", "ThreadDetail", "Post", "Revision",
                 "ReputationEvent", "Problem"):
        assert name in document["components"]["schemas"], name
    problem = document["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail"}
    assert problem["properties"]["errors"]["additionalProperties"]["items"]["type"] == "string"


def test_every_route_is_documented_and_every_documented_route_exists(app, document):
    routes = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        template = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in rule.methods - SKIPPED_METHODS:
            routes[(template, method.lower())] = rule.endpoint.removeprefix("api.")
    documented = {(path, method): operation.get("operationId")
                  for path, item in document["paths"].items()
                  for method, operation in item.items()
                  if method in {"get", "put", "post", "patch", "delete"}}
    assert set(routes) - set(documented) == set(), "routes missing from the document"
    assert set(documented) - set(routes) == set(), "documented operations with no route"
    assert documented == routes  # operationId is the view's endpoint name


def test_every_error_response_is_problem_json(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for code, response in operation["responses"].items():
                if code.startswith(("4", "5")):
                    content = resolve(response, document)["content"]
                    assert list(content) == ["application/problem+json"], (path, method, code)
                    assert content["application/problem+json"]["schema"]["required"] == [
                        "type", "title", "status", "detail"]


def test_real_responses_match_the_documented_schemas(document, api):
    asker, helper = factories.user(), factories.user()
    category = factories.category()
    thread = factories.thread(asker, category, tags=["printing", "wifi"])
    answer = factories.answer(thread, helper)
    token = api.token_for(f"{asker.username}@example.com")

    listed = check(document, api.get("/threads"), "GET", "/api/v1/threads", 200)
    assert [t["id"] for t in listed["items"]] == [thread.id]
    check(document, api.get(f"/threads?limit=1&category={category.slug}&sort=votes&status=open",
                            token), "GET", "/api/v1/threads", 200)
    check(document, api.get("/threads?limit=nope"), "GET", "/api/v1/threads", 400)

    path = "/api/v1/threads/{thread_id}"
    anonymous = check(document, api.get(f"/threads/{thread.id}"), "GET", path, 200)
    assert "my_vote" not in anonymous and [a["id"] for a in anonymous["answers"]] == [answer.id]
    assert "my_vote" not in anonymous["answers"][0]
    signed_in = check(document, api.get(f"/threads/{thread.id}", token), "GET", path, 200)
    assert signed_in["my_vote"] == 0 and signed_in["answers"][0]["my_vote"] == 0
    check(document, api.get("/threads/999999"), "GET", path, 404)

    path = "/api/v1/users/{user_id}"
    public = check(document, api.get(f"/users/{asker.id}"), "GET", path, 200)
    assert "email" not in public
    own = check(document, api.get(f"/users/{asker.id}", token), "GET", path, 200)
    assert own["email"] == f"{asker.username}@example.com"
    check(document, api.get("/users/999999"), "GET", path, 404)
    check(document, api.get(f"/users/{asker.id}", "not-a-token"), "GET", path, 401)

    bad = check(document, api.post("/threads", token, json={"title": "x", "body": "", "tags": 5}),
                "POST", "/api/v1/threads", 422)
    assert {"title", "body", "tags"} <= set(bad["errors"])
    check(document, api.post("/threads", json={"title": "t"}), "POST", "/api/v1/threads", 401)
    check(document, api.post("/threads", token, data="[1]", content_type="application/json"),
          "POST", "/api/v1/threads", 400)
    ask = {"title": "How do I reset the printer?", "body": "It blinks orange twice.",
           "category": category.slug, "tags": "printing reset"}
    wrong = check(document, api.post("/threads", token, json=ask), "POST", "/api/v1/threads", 422)
    assert set(wrong["errors"]) == {"tags"}  # API.md: tags is a list
    made = api.post("/threads", token, json=ask | {"tags": ["printing", "reset"]})
    created = check(document, made, "POST", "/api/v1/threads", 201)
    assert made.headers["Location"] == f"/api/v1/threads/{created['id']}"
    check(document, api.get(made.headers["Location"].removeprefix("/api/v1")),
          "GET", "/api/v1/threads/{thread_id}", 200)


def test_the_rest_of_the_api_matches_its_documented_schemas(document, api):
    admin, asker, helper = factories.admin(), factories.user(), factories.user()
    thread = factories.thread(asker, factories.category())
    answer = factories.answer(thread, helper)
    admin_token = api.token_for(f"{admin.username}@example.com")
    token = api.token_for(f"{asker.username}@example.com")
    helper_token = api.token_for(f"{helper.username}@example.com")
    v1 = "/api/v1"

    login = api.post("/auth/token", json={"email": f"{helper.username}@example.com",
                                          "password": "password123"})
    check(document, login, "POST", f"{v1}/auth/token", 200)
    check(document, api.post("/auth/token", json={"email": "x@example.com", "password": "nope"}),
          "POST", f"{v1}/auth/token", 401)
    check(document, api.delete("/auth/token", login.json["token"]),
          "DELETE", f"{v1}/auth/token", 204)
    newbie = {"username": "newbie", "email": "newbie@example.com", "password": "password123"}
    check(document, api.post("/users", json=newbie), "POST", f"{v1}/users", 201)
    check(document, api.post("/users", json=newbie), "POST", f"{v1}/users", 409)
    check(document, api.get("/me", token), "GET", f"{v1}/me", 200)
    check(document, api.get("/me"), "GET", f"{v1}/me", 401)

    check(document, api.get("/categories"), "GET", f"{v1}/categories", 200)
    check(document, api.post("/categories", admin_token, json={"name": "Billing"}),
          "POST", f"{v1}/categories", 201)
    check(document, api.post("/categories", admin_token, json={"name": "Billing"}),
          "POST", f"{v1}/categories", 409)
    check(document, api.post("/categories", token, json={"name": "Mine"}),
          "POST", f"{v1}/categories", 403)

    check(document, api.patch(f"/threads/{thread.id}", token, json={"tags": ["edited"]}),
          "PATCH", f"{v1}/threads/{{thread_id}}", 200)
    check(document, api.post(f"/threads/{thread.id}/answers", helper_token,
                             json={"body": "Try turning it off and on."}),
          "POST", f"{v1}/threads/{{thread_id}}/answers", 201)
    check(document, api.get(f"/posts/{answer.id}"), "GET", f"{v1}/posts/{{post_id}}", 200)
    check(document, api.patch(f"/posts/{answer.id}", helper_token,
                              json={"body": "A better answer."}),
          "PATCH", f"{v1}/posts/{{post_id}}", 200)
    check(document, api.get(f"/posts/{thread.question_post_id}/revisions"),
          "GET", f"{v1}/posts/{{post_id}}/revisions", 200)
    check(document, api.post(f"/posts/{answer.id}/vote", token, json={"value": 1}),
          "POST", f"{v1}/posts/{{post_id}}/vote", 200)
    check(document, api.post(f"/posts/{answer.id}/vote", helper_token, json={"value": 1}),
          "POST", f"{v1}/posts/{{post_id}}/vote", 403)
    check(document, api.post(f"/posts/{answer.id}/vote", token, json={"value": 2}),
          "POST", f"{v1}/posts/{{post_id}}/vote", 422)
    accepted = check(document, api.post(f"/threads/{thread.id}/accept", token,
                                        json={"post_id": answer.id}),
                     "POST", f"{v1}/threads/{{thread_id}}/accept", 200)
    assert accepted["status"] == "solved" and accepted["accepted_answer_id"] == answer.id
    ledger = check(document, api.get(f"/users/{helper.id}/reputation"),
                   "GET", f"{v1}/users/{{user_id}}/reputation", 200)
    assert ledger["items"] and ledger["reputation"] == helper.reputation
    check(document, api.delete(f"/posts/{answer.id}", helper_token),
          "DELETE", f"{v1}/posts/{{post_id}}", 403)  # an accepted answer is staff's to delete
    check(document, api.delete(f"/posts/{answer.id}", admin_token),
          "DELETE", f"{v1}/posts/{{post_id}}", 204)
    check(document, api.get(f"/posts/{answer.id}"), "GET", f"{v1}/posts/{{post_id}}", 404)


def test_creates_document_location_and_posts_document_idempotency_keys(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if "201" in operation["responses"]:
                assert "Location" in operation["responses"]["201"]["headers"], (method, path)
            headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
            # Responses holding a secret (a token) are never stored, so never replayed; the CRM's
            # signed events are deduplicated by their webhook-id instead.
            secret = operation["operationId"] in ("create_token", "create_my_token", "crm_event")
            assert ("Idempotency-Key" in headers) == (method == "post" and not secret), (method, path)


def test_request_bodies_refuse_unknown_fields_in_the_document_too(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if "requestBody" in operation:
                schema = resolve(operation["requestBody"], document)["content"]["application/json"]
                assert schema["schema"]["additionalProperties"] is False, (method, path)
