"""Reading API input: the JSON body (type, nesting, syntax), then the model; query strings too.

Shape problems (not JSON, not an object, too deeply nested, wrong Content-Type) are 400s;
a well-formed object that breaks the model is a 422 naming every bad field at once.
"""
import json
import re
from itertools import accumulate, count
from operator import sub

from flask import request
from pydantic import BaseModel, ValidationError

from core.errors import BadRequest, ValidationFailed

MAX_DEPTH = 32  # our bodies nest two or three levels; anything past this is not for us
_STRINGS = re.compile(rb'"(?:[^"\\]++|\\.)*+"', re.S)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = bytes.maketrans(b"[{]}", b"\x02\x02\x00\x00")
_NOT_AN_OBJECT = "The request body must be a JSON object (Content-Type: application/json)."


def nesting_depth(raw: bytes) -> int:
    """The deepest [ / { nesting in a JSON text, in linear time and without recursion.

    Strings are cut out first (their brackets do not count); each remaining opener steps +1 and
    closer -1: encoded as 2 and 0, the running sum less the position is the depth at each step.
    """
    brackets = _STRINGS.sub(b"", raw).translate(None, _NOT_BRACKETS).translate(_STEP)
    return max(map(sub, accumulate(brackets), count(1)), default=0)


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def read_json() -> dict:
    """The body as a dict, or a 400 saying what is wrong with its shape."""
    if not request.is_json:
        raise BadRequest(_NOT_AN_OBJECT)
    raw = request.get_data(cache=True)
    openers = raw.count(b"[") + raw.count(b"{")  # few openers cannot nest deep: skip the scan
    if openers > MAX_DEPTH and nesting_depth(raw) > MAX_DEPTH:
        raise BadRequest(f"The JSON nests deeper than {MAX_DEPTH} levels.")
    try:
        data = json.loads(raw, parse_constant=_refuse_constant)
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise BadRequest(f"The body is not valid JSON: {str(exc)[:200]}") from None
    if not isinstance(data, dict):
        raise BadRequest(_NOT_AN_OBJECT)
    return data


def parse_body(model: type[BaseModel]) -> tuple[BaseModel, dict]:
    """The validated model, and the raw dict (which fields were sent matters to PATCH)."""
    data = read_json()
    try:
        return model.model_validate(data), data
    except ValidationError as exc:
        raise ValidationFailed(field_errors(exc)) from None


def parse_query(model: type[BaseModel]) -> BaseModel:
    try:
        return model.model_validate(request.args.to_dict())
    except ValidationError as exc:
        errors = field_errors(exc)
        if getattr(model, "invalid_is_422", False):  # a search: what was asked is out of range
            raise ValidationFailed(errors) from None
        raise BadRequest("Invalid query parameters: " + ", ".join(sorted(errors)), errors) from None


_MESSAGES = {"missing": "is required",
             "extra_forbidden": "is not a field of this request (unknown or read-only)"}


def field_errors(exc: ValidationError) -> dict[str, list[str]]:
    """pydantic's errors as {field: [messages]}; a list item's position leads its message."""
    errors: dict[str, list[str]] = {}
    for error in exc.errors(include_url=False, include_input=False):
        field, *inner = error["loc"] or ("body",)
        message = _MESSAGES.get(error["type"], error["msg"]).removeprefix("Value error, ")
        if inner:
            message = f"item {'.'.join(map(str, inner))}: {message}"
        errors.setdefault(str(field), []).append(message)
    return errors
