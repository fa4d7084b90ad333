"""The moderation endpoints answer what the OpenAPI document promises (schemas and statuses)."""
from sqlalchemy import select

from community.models import ReviewItem
from core.database import db
from tests import factories
from tests.functional.test_openapi import check, document  # noqa: F401  (the fixture)

V1 = "/api/v1"


def test_moderation_responses_match_the_document(document, api):  # noqa: F811
    admin = api.token_for(factories.admin().email)
    mod = api.token_for(factories.user("moderator").email)
    member = factories.user()
    member_token = api.token_for(member.email)
    cat = factories.category(slug="docs-cat")
    thread, original = factories.thread(category_=cat), factories.thread(category_=cat)
    answer = factories.answer(thread)
    api.post(f"/posts/{answer.id}/flags", member_token, json={"reason": "spam"})
    check(document, api.get("/me/flags", member_token), "GET", f"{V1}/me/flags", 200)
    check(document, api.get("/review", mod), "GET", f"{V1}/review", 200)
    check(document, api.get("/review", member_token), "GET", f"{V1}/review", 403)
    item_id = db.session.scalar(select(ReviewItem.id))
    check(document, api.post(f"/review/{item_id}", mod, json={"action": "hide"}),
          "POST", f"{V1}/review/{{item_id}}", 200)
    for path, body in (("lock", {"locked": True, "reason": "r"}),
                       ("close", {"closed": True, "reason": "other"}),
                       ("move", {"category": "docs-cat"}),
                       ("merge", {"into_id": original.id})):
        check(document, api.post(f"/threads/{thread.id}/{path}", mod, json=body),
              "POST", f"{V1}/threads/{{thread_id}}/{path}", 200)
    for path in ("suspension", "silence"):
        check(document, api.post(f"/users/{member.id}/{path}", mod,
                                 json={"until": "2099-01-01", "reason": "r"}),
              "POST", f"{V1}/users/{{user_id}}/{path}", 200)
        check(document, api.delete(f"/users/{member.id}/{path}", mod),
              "DELETE", f"{V1}/users/{{user_id}}/{path}", 204)
    check(document, api.patch(f"/users/{member.id}", admin, json={"role": "support"}),
          "PATCH", f"{V1}/users/{{user_id}}", 200)
    check(document, api.get("/users?q=user", mod), "GET", f"{V1}/users", 200)
    check(document, api.post(f"/users/{member.id}/purge", admin, json={"reason": "spam"}),
          "POST", f"{V1}/users/{{user_id}}/purge", 200)
    made = check(document, api.post("/watched-words", admin, json={"word": "w", "action": "block"}),
                 "POST", f"{V1}/watched-words", 201)
    check(document, api.get("/watched-words", admin), "GET", f"{V1}/watched-words", 200)
    check(document, api.delete(f"/watched-words/{made['id']}", admin),
          "DELETE", f"{V1}/watched-words/{{item_id}}", 204)
    check(document, api.patch("/categories/docs-cat", admin, json={"position": 3}),
          "PATCH", f"{V1}/categories/{{slug}}", 200)
    check(document, api.get("/moderation-settings", admin), "GET", f"{V1}/moderation-settings", 200)
    check(document, api.patch("/moderation-settings", admin, json={"HOLD_FIRST_POSTS": 0}),
          "PATCH", f"{V1}/moderation-settings", 200)
    other = factories.category(slug="docs-other")
    check(document, api.delete(f"/categories/docs-cat?move_to={other.slug}", admin),
          "DELETE", f"{V1}/categories/{{slug}}", 204)
