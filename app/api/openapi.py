"""The OpenAPI 3.1 document for API v1 (every /api/v1 route), served at /api/v1/openapi.json."""
from flask import jsonify

from app.api import bp

PREFIX = "/api/v1"
JSON = "application/json"
PROBLEM = "application/problem+json"
ROLES = ["member", "moderator", "support", "admin"]
RANKS = ["Newcomer", "Contributor", "Regular", "Expert", "Guru"]
TOKEN_REQUIRED = [{"bearer": []}]
TOKEN_OPTIONAL = [{}, {"bearer": []}]  # anonymous allowed; a token that is sent must be valid


# ---- schema helpers ---------------------------------------------------------------------------

def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def integer(description: str = "", **extra) -> dict:
    return {"type": "integer", **({"description": description} if description else {}), **extra}


def string(description: str = "", **extra) -> dict:
    return {"type": "string", **({"description": description} if description else {}), **extra}


def nullable(schema: dict) -> dict:
    """`schema` or null (3.1 style: a type list when possible, else oneOf)."""
    if "type" in schema and isinstance(schema["type"], str) and "enum" not in schema:
        return schema | {"type": [schema["type"], "null"]}
    return {"oneOf": [schema, {"type": "null"}]}


def array(items: dict, description: str = "") -> dict:
    return {"type": "array", "items": items} | ({"description": description} if description else {})


def obj(required: dict, optional: dict | None = None, description: str = "") -> dict:
    """An object whose `required` properties are always present and `optional` ones sometimes."""
    schema = {"type": "object", "properties": required | (optional or {}),
              "required": list(required)}
    return schema | ({"description": description} if description else {})


def extend(base: dict, required: dict, optional: dict | None = None, description: str = "") -> dict:
    """`base` plus more properties, flattened (no allOf) so every shape is one plain object."""
    optional_base = {k: v for k, v in base["properties"].items()
                     if k not in base["required"] and k not in required}
    required_base = {k: base["properties"][k] for k in base["required"]}
    return obj(required_base | required, optional_base | (optional or {}),
               description or base.get("description", ""))


def list_of(item_schema: str, description: str = "", **extra: dict) -> dict:
    """The list envelope: {items, next_cursor} (plus any `extra` always-present fields)."""
    next_cursor = nullable(string("Pass as ?cursor= for the next page; null at the end."))
    return obj({"items": array(ref(item_schema)), "next_cursor": next_cursor} | extra,
               description=description)


TIME = string("ISO 8601 UTC.", format="date-time")
ID = integer(minimum=1)
VOTE = {"type": "integer", "enum": [-1, 0, 1]}


# ---- component schemas ------------------------------------------------------------------------

USER_BRIEF = obj({"id": ID, "username": string(), "reputation": integer(minimum=1),
                  "rank": string("Named from the reputation.", enum=RANKS),
                  "is_super_user": {"type": "boolean"}},
                 description="A user as shown next to their content.")
USER = extend(USER_BRIEF, {
    "roles": array(string(enum=ROLES), "Always includes member."),
    "badges": array(ref("Badge")),
    "created_at": TIME,
    "url": string("The profile page.", format="uri"),
}, {"email": string("Only to the user themself and to staff.", format="email")},
    description="A user's public profile.")
POST = obj({
    "id": ID, "thread_id": ID, "author": ref("UserBrief"),
    "body_html": string("The sanitised rendering of body."), "body": string("Markdown."),
    "score": integer(), "is_accepted": {"type": "boolean"},
    "is_draft": {"type": "boolean", "description": "Drafts are seen by staff and the asker only."},
    "is_deleted": {"type": "boolean", "description": "Deleted posts are seen by staff only."},
    "revision_count": integer(minimum=1), "created_at": TIME, "updated_at": TIME,
}, {"my_vote": {**VOTE, "description": "The caller's vote (signed-in callers, in a thread "
                                       "and on a new answer)."}},
    description="A question's or answer's post.")
THREAD = obj({
    "id": ID, "post_id": integer("The question's own post, for votes, edits and flags.", minimum=1),
    "title": string(), "slug": string(), "url": string("The thread's web page.", format="uri"),
    "category": string("The category's slug."), "tags": array(string()),
    "status": string(enum=["open", "solved"]), "author": ref("UserBrief"),
    "score": integer(), "view_count": integer(minimum=0), "answer_count": integer(minimum=0),
    "accepted_answer_id": nullable(integer(minimum=1)), "is_locked": {"type": "boolean"},
    "created_at": TIME, "updated_at": TIME, "last_activity_at": TIME,
}, description="A thread as listed.")
THREAD_DETAIL = extend(THREAD, {
    "body_html": string("The question, rendered."), "body": string("The question, Markdown."),
    "answers": array(ref("Post"), "The answers the caller may see, accepted first, then by score."),
}, {"my_vote": VOTE | {"description": "The caller's vote on the question (signed-in callers only)."}},
    description="A thread with its question and answers.")

SCHEMAS = {
    "UserBrief": USER_BRIEF,
    "User": USER,
    "Me": extend(USER, {"email": string(format="email"), "notification_count": integer(minimum=0),
                        "pending_email": nullable(string("A new address waiting for its "
                                                         "mailed confirmation.", format="email"))},
                 description="The caller's own user object."),
    "AccountUpdate": obj({"current_password": string(format="password")},
                         {"email": string("Counts once confirmed by the mailed link.",
                                          format="email"),
                          "password": string("Revokes your other sessions and tokens.",
                                             format="password")}),
    "ApiToken": obj({"id": ID, "name": string(), "created_at": TIME,
                     "last_used_at": nullable(string("ISO 8601 UTC.", format="date-time"))}),
    "ApiTokenList": list_of("ApiToken", "Newest first; secrets are never listed."),
    "NewApiToken": obj({"name": string("1-100 characters: what the token is for.")}),
    "CreatedApiToken": obj({"id": ID, "name": string(),
                            "token": string("The secret, shown this once.")}),
    "PasswordResetRequest": obj({"email": string(format="email")}),
    "PasswordResetAccepted": obj({"detail": string()}),
    "PasswordResetConfirm": obj({"token": string("From the mailed link."),
                                 "password": string("At least 8 characters.", format="password")}),
    "Badge": obj({"slug": string(), "name": string(), "tier": string()}),
    "Category": obj({"id": ID, "slug": string(), "name": string(), "description": string(),
                     "thread_count": integer(minimum=0)}),
    "Thread": THREAD,
    "ThreadDetail": THREAD_DETAIL,
    "Post": POST,
    "Revision": obj({"rev": integer(minimum=1), "author": ref("UserBrief"),
                     "title": nullable(string("The question's title at this revision; "
                                              "null for answers.")),
                     "body": string("Markdown."), "created_at": TIME}),
    "ReputationEvent": obj({"delta": integer(), "reason": string(examples=["answer_upvoted"]),
                            "post_id": nullable(integer(minimum=1)),
                            "thread_id": nullable(integer(minimum=1)), "created_at": TIME}),
    "Problem": obj({"type": string("about:blank unless a more specific type applies."),
                    "title": string(), "status": integer(minimum=400, maximum=599),
                    "detail": string()},
                   {"errors": {"type": "object", "description": "Validation messages by field.",
                               "additionalProperties": array(string())}},
                   description="RFC 9457 problem details."),
    "CategoryList": list_of("Category"),
    "ThreadList": list_of("Thread"),
    "RevisionList": list_of("Revision", "Revisions, oldest first."),
    "ReputationLedger": list_of("ReputationEvent", "Newest first.",
                                reputation=integer("The user's current total.", minimum=1)),
    "TokenRequest": obj({"password": string(format="password")},
                        {"email": string(format="email"),
                         "username": string("Accepted in place of email.")}),
    "TokenResponse": obj({"token": string("Send as Authorization: Bearer <token>."),
                          "user": ref("User")}),
    "NewUser": obj({"username": string("3-30 letters, digits, '_', '.' or '-'."),
                    "email": string(format="email"),
                    "password": string("At least 8 characters.", format="password")}),
    "NewCategory": obj({"name": string("2-80 characters.")},
                       {"slug": string("Made from the name when left out."),
                        "description": string("At most 2000 characters.")}),
    "NewThread": obj({"title": string("8-200 characters by default."),
                      "body": string("Markdown, 10-30000 characters by default."),
                      "category": ref("CategoryRef")}, {"tags": ref("TagList")}),
    "ThreadEdit": obj({}, {"title": string(), "body": string(), "tags": ref("TagList"),
                           "category": ref("CategoryRef")},
                      description="Only the fields sent change."),
    "PostBody": obj({"body": string("Markdown, 10-30000 characters by default.")}),
    "CategoryRef": {"description": "A category's slug (or id).",
                    "oneOf": [string(), integer(minimum=1)]},
    "TagList": {"description": "At most 5 tags; a comma/space separated string is also accepted.",
                "oneOf": [array(string()), string()]},
    "VoteRequest": obj({"value": {**VOTE, "description": "1 up, -1 down, 0 retracts."}}),
    "VoteResult": obj({"score": integer(), "my_vote": VOTE}),
    "Event": obj({"id": ID, "type": string(examples=["vote.cast"]), "created_at": TIME,
                   "actor_id": nullable(integer("Who did it; null for votes, which stay "
                                                "anonymous.", minimum=1)),
                   "thread_id": nullable(integer(minimum=1)), "post_id": nullable(integer(minimum=1)),
                   "user_id": nullable(integer(minimum=1)),
                   "data": {"type": "object", "description": "The event's small payload."}}),
    "EventList": list_of("Event", "Oldest first; pass next_cursor as ?after= to go on."),
    "AcceptRequest": obj({"post_id": nullable(integer("An answer in this thread; null un-accepts.",
                                                      minimum=1))}),
}


# ---- responses and parameters ------------------------------------------------------------------

ERRORS = {
    400: ("BadRequest", "The body is not a JSON object, or a query parameter is malformed."),
    401: ("Unauthorized", "No token where one is needed, or the token sent is invalid/revoked."),
    403: ("Forbidden", "The caller may not do this."),
    404: ("NotFound", "Unknown, or invisible to the caller."),
    409: ("Conflict", "Conflicts with existing data."),
    413: ("PayloadTooLarge", "The request body is larger than the limit (1 MiB by default)."),
    422: ("ValidationFailed", "One or more fields are invalid; see `errors`."),
    429: ("TooManyRequests", "Rate limited; retry after Retry-After seconds."),
}


def problem_response(code: int) -> dict:
    response = {"description": ERRORS[code][1], "content": {PROBLEM: {"schema": ref("Problem")}}}
    if code == 401:
        response["headers"] = {"WWW-Authenticate": {"schema": string(), "description": "Bearer"}}
    if code == 429:
        response["headers"] = {"Retry-After": {"schema": integer(minimum=0),
                                               "description": "Seconds to wait."}}
    return response


def problem_responses(*codes: int) -> dict:
    return {str(code): {"$ref": f"#/components/responses/{ERRORS[code][0]}"} for code in codes}


def ok(schema: str, status: int = 200, description: str = "OK") -> dict:
    return {str(status): {"description": description, "content": {JSON: {"schema": ref(schema)}}}}


NO_CONTENT = {"204": {"description": "Done; no body."}}


def path_id(name: str, what: str) -> dict:
    return {"name": name, "in": "path", "required": True, "description": f"The {what}'s id.",
            "schema": integer(minimum=1)}


def query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema}


PAGING = [
    query("limit", integer(minimum=1, maximum=100, default=20), "Page size; above 100 means 100."),
    query("cursor", string(), "The next_cursor of the previous page."),
]
THREAD_FILTERS = [
    query("category", string(), "A category slug."),
    query("tag", string(), "A tag name."),
    query("status", string(enum=["open", "solved", "unanswered"]),
          "unanswered: open threads with no answers."),
    query("sort", string(enum=["newest", "active", "votes"], default="newest"), "The order."),
]


def op(endpoint: str, tag: str, summary: str, responses: dict, errors: tuple = (),
       security: list = TOKEN_OPTIONAL, body: str | None = None,
       params: list | None = None) -> dict:
    """One operation; every one may answer 401 (a bad token is refused even on public reads)."""
    codes = set(errors) | {401} | ({400, 413} if body else set())
    operation = {"operationId": endpoint, "tags": [tag], "summary": summary,
                 "security": security, "responses": responses | problem_responses(*sorted(codes))}
    if params:
        operation["parameters"] = params
    if body:
        operation["requestBody"] = {"required": True,
                                    "content": {JSON: {"schema": ref(body)}}}
    return operation


# ---- paths ---------------------------------------------------------------------------------------

USER_ID, THREAD_ID, POST_ID = (path_id("user_id", "user"), path_id("thread_id", "thread"),
                               path_id("post_id", "post"))
MEMBER = TOKEN_REQUIRED

PATHS = {
    "/auth/token": {
        "post": op("create_token", "accounts", "Exchange email and password for a bearer token",
                   ok("TokenResponse"), (422, 429), body="TokenRequest"),
        "delete": op("delete_token", "accounts", "Revoke the token used for this call",
                     NO_CONTENT, security=MEMBER),
    },
    "/users": {
        "post": op("create_user", "accounts", "Register", ok("User", 201, "Created"),
                   (409, 422, 429), body="NewUser"),
    },
    "/users/{user_id}": {
        "get": op("get_user", "accounts", "A user's profile", ok("User"), (404,), params=[USER_ID]),
    },
    "/users/{user_id}/reputation": {
        "get": op("get_reputation", "accounts", "A user's reputation ledger",
                  ok("ReputationLedger"), (400, 404), params=[USER_ID, *PAGING]),
    },
    "/me": {
        "get": op("me", "accounts", "The caller's own user object", ok("Me"), security=MEMBER),
        "patch": op("update_me", "accounts", "Change email (once confirmed) or password",
                    ok("Me"), (409, 422, 429), MEMBER, "AccountUpdate"),
    },
    "/me/tokens": {
        "get": op("list_my_tokens", "accounts", "The caller's API tokens", ok("ApiTokenList"),
                  security=MEMBER),
        "post": op("create_my_token", "accounts", "Create a named API token",
                   ok("CreatedApiToken", 201, "Created"), (422, 429), MEMBER, "NewApiToken"),
    },
    "/me/tokens/{token_id}": {
        "delete": op("revoke_my_token", "accounts", "Revoke one of the caller's tokens",
                     NO_CONTENT, (404,), MEMBER, params=[path_id("token_id", "token")]),
    },
    "/auth/password-reset": {
        "post": op("request_password_reset", "accounts", "Mail a password reset link",
                   ok("PasswordResetAccepted", 202, "Accepted (whether or not the address "
                      "has an account)"), (422, 429), body="PasswordResetRequest"),
    },
    "/auth/password-reset/confirm": {
        "post": op("confirm_password_reset", "accounts",
                   "Set a new password from a reset link; ends every session and token",
                   NO_CONTENT, (422, 429), body="PasswordResetConfirm"),
    },
    "/categories": {
        "get": op("list_categories", "community", "Categories by position", ok("CategoryList"),
                  (400,), params=PAGING),
        "post": op("create_category", "community", "Create a category (admin)",
                   ok("Category", 201, "Created"), (403, 409, 422), MEMBER, "NewCategory"),
    },
    "/threads": {
        "get": op("list_threads", "community", "Threads the caller may see", ok("ThreadList"),
                  (400,), params=[*PAGING, *THREAD_FILTERS]),
        "post": op("create_thread", "community", "Ask a question",
                   ok("ThreadDetail", 201, "Created"), (403, 422, 429), MEMBER, "NewThread"),
    },
    "/threads/{thread_id}": {
        "get": op("get_thread", "community", "A thread with its answers", ok("ThreadDetail"),
                  (404,), params=[THREAD_ID]),
        "patch": op("edit_thread", "community",
                    "Edit title, body, tags or category (keeps a revision)", ok("ThreadDetail"),
                    (403, 404, 422), MEMBER, "ThreadEdit", [THREAD_ID]),
    },
    "/threads/{thread_id}/answers": {
        "post": op("create_answer", "community", "Answer a thread", ok("Post", 201, "Created"),
                   (403, 404, 422, 429), MEMBER, "PostBody", [THREAD_ID]),
    },
    "/threads/{thread_id}/accept": {
        "post": op("accept", "community", "Accept an answer, or un-accept with post_id null",
                   ok("ThreadDetail"), (403, 404, 422), MEMBER, "AcceptRequest", [THREAD_ID]),
    },
    "/posts/{post_id}": {
        "get": op("get_post", "community", "One post", ok("Post"), (404,), params=[POST_ID]),
        "patch": op("edit_post", "community", "Edit a post's body (keeps a revision)", ok("Post"),
                    (403, 404, 422), MEMBER, "PostBody", [POST_ID]),
        "delete": op("delete_post", "community", "Soft-delete a post", NO_CONTENT, (403, 404),
                     MEMBER, params=[POST_ID]),
    },
    "/posts/{post_id}/revisions": {
        "get": op("post_revisions", "community", "A post's revisions, oldest first",
                  ok("RevisionList"), (400, 404), params=[POST_ID, *PAGING]),
    },
    "/posts/{post_id}/restore": {
        "post": op("restore_post", "community", "Undo a soft delete (staff)", ok("Post"),
                   (403, 404), MEMBER, params=[POST_ID]),
    },
    "/events": {
        "get": op("list_events", "meta", "The domain event log (admin, support)", ok("EventList"),
                  (400, 403), MEMBER,
                  params=[query("after", integer(minimum=0, default=0), "Events after this id."),
                          query("limit", integer(minimum=1, maximum=500, default=100),
                                "Page size; above 500 means 500.")]),
    },
    "/posts/{post_id}/vote": {
        "post": op("vote", "community", "Vote on a post (not your own)", ok("VoteResult"),
                   (403, 404, 422), MEMBER, "VoteRequest", [POST_ID]),
    },
    "/openapi.json": {
        "get": op("openapi_document", "meta", "This document",
                  {"200": {"description": "The OpenAPI 3.1 document.",
                           "content": {JSON: {"schema": {"type": "object"}}}}}),
    },
}

DOCUMENT = {
    "openapi": "3.1.0",
    "info": {"title": "Commonplace API", "version": "1",
             "description": "The JSON API of the Commonplace customer community. Errors are "
                            "application/problem+json; lists are {items, next_cursor}."},
    "tags": [{"name": "accounts"}, {"name": "community"}, {"name": "meta"}],
    "paths": {PREFIX + path: item for path, item in PATHS.items()},
    "components": {
        "schemas": SCHEMAS,
        "responses": {name: problem_response(code) for code, (name, _) in ERRORS.items()},
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                       "description": "A token from POST /api/v1/auth/token."}},
    },
}


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(DOCUMENT)
