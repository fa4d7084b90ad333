"""The OpenAPI 3.1 document, generated from the route registry and the models the routes declare
(app/api/schemas.py in, app/api/serializers.py out); served at /api/v1/openapi.json."""
import re
from functools import cache

from pydantic import TypeAdapter
from pydantic.json_schema import GenerateJsonSchema

from app.api import bp
from app.api import serializers as s
from app.api.idempotency import HEADER
from app.api.registry import OPERATIONS, Operation, operation
from app.api.schemas import MAX_ID

REF = "#/components/schemas/{model}"
JSON, PROBLEM = "application/json", "application/problem+json"
_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
STATUSES = {200: "OK", 201: "Created", 202: "Accepted", 204: "Done; no body."}
ERRORS = {
    400: "The body is not a JSON object, or a query parameter is invalid.",
    401: "No token where one is needed, or a token that is invalid or revoked.",
    403: "Not allowed for the caller.",
    404: "Unknown, or not visible to the caller.",
    409: "Conflicts with what exists (or the same Idempotency-Key is still in progress).",
    413: "The body is larger than 1 MiB.",
    422: "Validation failed: `errors` names every bad field.",
    429: "Rate limited; retry after Retry-After seconds.",
}
INFO = {
    "title": "Commonplace API", "version": "1",
    "description": "The JSON API of the Commonplace customer community. Bodies are strict: a "
                   "field of the wrong type or an unknown field is a 422 naming every bad field. "
                   "Errors are RFC 9457 problem details. Lists page with ?limit= and ?cursor=. "
                   f"Any POST may carry {HEADER}: the same key from the same caller within "
                   "24 hours returns the first response again and creates nothing.",
}


class _Schema(GenerateJsonSchema):
    """pydantic's JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1), less its noise."""

    def field_title_should_be_set(self, schema) -> bool:
        return False

    def default_schema(self, schema):
        json_schema = super().default_schema(schema)
        if json_schema.get("default", 0) is None:  # optional fields are left out, never null
            del json_schema["default"]
        return json_schema


@operation("GET", "/openapi.json", returns=dict)
def openapi_document():
    """This document."""
    return document()


@cache
def document() -> dict:
    inputs = {t for op in OPERATIONS for t in (op.body, op.returns) if t}
    adapters = [(t, "validation", TypeAdapter(t)) for t in sorted(inputs, key=repr)]
    adapters.append((s.Problem, "serialization", TypeAdapter(s.Problem)))
    refs, defs = TypeAdapter.json_schemas(adapters, ref_template=REF, schema_generator=_Schema)
    schemas = {t: schema for (t, _), schema in refs.items()}
    paths: dict = {}
    for op in OPERATIONS:
        template = bp.url_prefix + _PARAM.sub(r"{\2}", op.rule)
        paths.setdefault(template, {})[op.method.lower()] = _operation(op, schemas)
    return {"openapi": "3.1.0", "info": INFO, "paths": paths,
            "components": {"schemas": defs["$defs"], "securitySchemes": {"bearer": {
                "type": "http", "scheme": "bearer",
                "description": "A token from POST /api/v1/auth/token."}}}}


def _operation(op: Operation, schemas: dict) -> dict:
    summary, _, description = op.doc.partition("\n")
    spec = {"operationId": op.endpoint, "tags": [op.rule.split("/")[1]], "summary": summary,
            "parameters": _parameters(op), "responses": _responses(op, schemas),
            "security": [{"bearer": []}] if op.auth == "required" else [{}, {"bearer": []}]}
    if description.strip():
        spec["description"] = description.strip()
    if op.body:
        spec["requestBody"] = {"required": True, "content": {JSON: {"schema": schemas[op.body]}}}
    return spec


def _parameters(op: Operation) -> list[dict]:
    params = []
    for converter, name in _PARAM.findall(op.rule):
        schema = ({"type": "integer", "minimum": 1, "maximum": MAX_ID} if converter == "int"
                  else {"type": "string", "minLength": 1})
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    if op.query:
        model = op.query.model_json_schema(schema_generator=_Schema)
        for name, schema in model["properties"].items():
            param = {"name": name, "in": "query", "required": name in model.get("required", ())}
            if "description" in schema:
                param["description"] = schema.pop("description")
            params.append(param | {"schema": schema})
    if op.replays:
        params.append({"name": HEADER, "in": "header", "required": False,
                       "description": "Replays the first response to this key for 24 hours.",
                       "schema": {"type": "string", "minLength": 1, "maxLength": 255,
                                  "pattern": "^[ -~]+$"}})
    return params


def _responses(op: Operation, schemas: dict) -> dict:
    success = {"description": STATUSES.get(op.status, "Done")}
    if op.returns is not None:
        success["content"] = {JSON: {"schema": schemas[op.returns]}}
    responses = {str(op.status): success}
    if op.status == 201:
        responses["201"]["headers"] = {"Location": {
            "description": "The new resource's API URL.", "schema": {"type": "string"}}}
    for code in sorted(_error_codes(op)):
        problem = {PROBLEM: {"schema": schemas[s.Problem]}}
        response = {"description": ERRORS[code], "content": problem}
        if code == 401:
            response["headers"] = {"WWW-Authenticate": {"schema": {"type": "string"}}}
        if code == 429:
            response["headers"] = {"Retry-After": {"schema": {"type": "integer"},
                                                   "description": "Seconds to wait."}}
        responses[str(code)] = response
    return responses


def _error_codes(op: Operation) -> set[int]:
    codes = {401, *op.errors}  # 401: a token that is sent must be valid, even on public reads
    if op.body:
        codes |= {400, 413, 422}
    if op.query:
        codes.add(400)
    if op.path_params:
        codes.add(404)
    if op.limit:
        codes.add(429)
    if op.replays:
        codes |= {400, 409, 422}
    return codes
