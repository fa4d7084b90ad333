"""API threads and posts: create, read, list (filters, sorts, cursors), edit, revisions, delete."""
import pytest
from sqlalchemy import func, select

from core.database import db
from community.models import Post, Revision, Thread
from tests import factories


@pytest.fixture
def member(api):
    user = factories.user(username="asker")
    return user, api.token_for(user.email)


def test_create_and_read_a_thread(api, member):
    user, token = member
    category = factories.category("Billing")
    response = api.post("/threads", token, json={
        "title": "How do I change my invoice address?", "body": "I moved. **Help**, please.",
        "category": "billing", "tags": ["Invoices", "address", "invoices"]})
    assert response.status_code == 201
    thread = response.json
    assert thread["category"] == category.slug and thread["tags"] == ["address", "invoices"]
    assert thread["status"] == "open" and thread["answer_count"] == 0
    assert "<strong>Help</strong>" in thread["body_html"]
    assert thread["url"].endswith(f"/t/{thread['id']}/how-do-i-change-my-invoice-address")
    read = api.get(f"/threads/{thread['id']}")
    assert read.status_code == 200 and read.json["post_id"] == thread["post_id"]
    answer = api.post(f"/threads/{thread['id']}/answers", api.token_for(factories.user().email),
                      json={"body": "Settings → Billing → Address."})
    assert answer.status_code == 201 and answer.json["thread_id"] == thread["id"]
    read = api.get(f"/threads/{thread['id']}").json
    assert read["answer_count"] == 1 and read["answers"][0]["id"] == answer.json["id"]
    assert set(read["answers"][0]) >= {"id", "thread_id", "author", "body_html", "score",
                                       "is_accepted", "is_draft", "created_at", "updated_at"}


@pytest.mark.parametrize("body,fields", [
    ({"title": "", "body": "A body that is long enough", "category": "c"}, {"title"}),
    ({"title": "short", "body": "A body that is long enough", "category": "c"}, {"title"}),
    ({"title": "x" * 201, "body": "A body that is long enough", "category": "c"}, {"title"}),
    ({"title": "A good title here", "body": "", "category": "c"}, {"body"}),
    ({"title": "A good title here", "body": "b" * 30001, "category": "c"}, {"body"}),
    ({"title": "A good title here", "body": "A body long enough", "category": "nope"},
     {"category"}),
    ({"title": "A good title here", "body": "A body long enough"}, {"category"}),
    ({"title": 5, "body": ["x"], "category": "c"}, {"title", "body"}),
    ({"title": "A good title here", "body": "A body long enough", "category": "c",
      "tags": ["a", "b", "c", "d", "e", "f"]}, {"tags"}),
    ({"title": "A good title here", "body": "A body long enough", "category": "c",
      "tags": ["<script>"]}, {"tags"}),
])
def test_invalid_threads_are_422_with_the_field_named_and_nothing_written(api, member, body, fields):
    factories.category("Cats", slug="c")
    response = api.post("/threads", member[1], json=body)
    assert response.status_code == 422, response.json
    assert set(response.json["errors"]) == fields
    assert db.session.scalar(select(func.count(Thread.id))) == 0
    assert db.session.scalar(select(func.count(Post.id))) == 0


@pytest.mark.parametrize("payload,content_type", [
    (b"{not json", "application/json"),
    (b"[1, 2]", "application/json"),
    (b"title=x", "application/x-www-form-urlencoded"),
])
def test_malformed_json_is_400(api, member, payload, content_type):
    response = api.post("/threads", member[1], data=payload, content_type=content_type)
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/problem+json"


def test_oversized_request_is_413(api, member):
    response = api.post("/threads", member[1], data=b'{"body": "' + b"x" * (1024 * 1024 + 10) + b'"}',
                        content_type="application/json")
    assert response.status_code == 413
    assert response.json["status"] == 413


def test_anonymous_cannot_post(api):
    factories.category(slug="c")
    response = api.post("/threads", json={"title": "A good title here", "body": "Body long enough",
                                          "category": "c"})
    assert response.status_code == 401


def _threads(author, category, n):
    return [factories.thread(author, category, title=f"Question number {i:03d} here")
            for i in range(n)]


def test_list_filters_sorts_and_cursors(api):
    author = factories.user()
    billing, other = factories.category("Billing"), factories.category("Other")
    threads = _threads(author, billing, 25)
    tagged = factories.thread(author, other, tags=["api"])
    factories.answer(threads[0])
    services_accept = factories.answer(threads[1])
    from community import services
    services.accept_answer(author, threads[1].id, services_accept.id)
    services.cast_vote(factories.user(), threads[5].question_post_id, 1)

    page1 = api.get("/threads?limit=10").json
    assert [t["id"] for t in page1["items"]][:2] == [tagged.id, threads[-1].id]
    seen = [t["id"] for t in page1["items"]]
    cursor = page1["next_cursor"]
    while cursor:
        page = api.get(f"/threads?limit=10&cursor={cursor}").json
        seen += [t["id"] for t in page["items"]]
        cursor = page["next_cursor"]
    assert len(seen) == len(set(seen)) == 26

    assert [t["id"] for t in api.get("/threads?category=" + other.slug).json["items"]] == [tagged.id]
    assert [t["id"] for t in api.get("/threads?tag=api").json["items"]] == [tagged.id]
    assert [t["id"] for t in api.get("/threads?status=solved").json["items"]] == [threads[1].id]
    unanswered = {t["id"] for t in api.get("/threads?status=unanswered&limit=100").json["items"]}
    assert threads[0].id not in unanswered and threads[1].id not in unanswered and len(unanswered) == 24
    assert api.get("/threads?sort=votes").json["items"][0]["id"] == threads[5].id
    assert api.get("/threads?sort=active").json["items"][0]["id"] == threads[1].id
    assert len(api.get("/threads?limit=1000").json["items"]) == 26  # capped at 100, 26 exist


@pytest.mark.parametrize("query", ["sort=best", "status=closed", "limit=abc", "limit=0",
                                   "cursor=garbage!!"])
def test_bad_list_parameters_are_400(api, query):
    response = api.get(f"/threads?{query}")
    assert response.status_code == 400
    assert response.json["detail"]


def test_edit_keeps_revisions(api, member):
    user, token = member
    thread = factories.thread(user, title="Original title for this")
    response = api.patch(f"/threads/{thread.id}", token, json={
        "title": "Better title for this", "body": "Clearer body text here.", "tags": ["x"]})
    assert response.status_code == 200
    assert response.json["title"] == "Better title for this" and response.json["tags"] == ["x"]
    revisions = api.get(f"/posts/{thread.question_post_id}/revisions").json["items"]
    assert [(r["rev"], r["title"]) for r in revisions] == [
        (1, "Original title for this"), (2, "Better title for this")]
    answer = factories.answer(thread, user)
    assert api.patch(f"/posts/{answer.id}", token, json={"body": "Edited answer text."}).status_code == 200
    assert [r["body"] for r in api.get(f"/posts/{answer.id}/revisions").json["items"]] == [
        "An answer body long enough.", "Edited answer text."]


def test_only_author_or_staff_may_edit(api, member):
    thread = factories.thread(member[0])
    other = api.token_for(factories.user().email)
    response = api.patch(f"/threads/{thread.id}", other, json={"title": "Hijacked title here"})
    assert response.status_code == 403
    assert db.session.scalar(select(func.count(Revision.id))) == 1
    mod = api.token_for(factories.user("moderator").email)
    assert api.patch(f"/threads/{thread.id}", mod, json={"title": "Moderated title"}).status_code == 200


def test_invalid_edit_changes_nothing(api, member):
    thread = factories.thread(member[0], title="Original title for this")
    response = api.patch(f"/threads/{thread.id}", member[1], json={"title": "ok", "body": "fine body text"})
    assert response.status_code == 422 and set(response.json["errors"]) == {"title"}
    db.session.expire_all()
    assert api.get(f"/threads/{thread.id}").json["body"] == "A question body long enough."


def test_soft_delete(api, member):
    user, token = member
    thread = factories.thread(user)
    answer = factories.answer(thread, user)
    assert api.delete(f"/posts/{answer.id}", token).status_code == 204
    assert api.get(f"/posts/{answer.id}").status_code == 404
    assert api.get(f"/threads/{thread.id}").json["answer_count"] == 0
    assert db.session.get(Post, answer.id).is_deleted  # kept, not removed
    assert api.delete(f"/posts/{thread.question_post_id}", token).status_code == 204
    assert api.get(f"/threads/{thread.id}").status_code == 404
    mod = api.token_for(factories.user("moderator").email)
    assert api.get(f"/threads/{thread.id}", mod).status_code == 200  # staff still see it


def test_author_cannot_delete_an_accepted_answer_but_staff_can(api):
    asker, answerer = factories.user(), factories.user()
    thread = factories.thread(asker)
    answer = factories.answer(thread, answerer)
    api.post(f"/threads/{thread.id}/accept", api.token_for(asker.email), json={"post_id": answer.id})
    assert api.delete(f"/posts/{answer.id}", api.token_for(answerer.email)).status_code == 403
    assert api.delete(f"/posts/{thread.question_post_id}", api.token_for(asker.email)).status_code == 403
    mod = api.token_for(factories.user("moderator").email)
    assert api.delete(f"/posts/{answer.id}", mod).status_code == 204
    after = api.get(f"/threads/{thread.id}").json
    assert after["status"] == "open" and after["accepted_answer_id"] is None


def test_unknown_ids_are_404(api, member):
    assert api.get("/threads/424242").status_code == 404
    assert api.post("/threads/424242/answers", member[1], json={"body": "Long enough body"}).status_code == 404
    assert api.post("/posts/424242/vote", member[1], json={"value": 1}).status_code == 404


def test_categories(api):
    admin_token = api.token_for(factories.admin().email)
    response = api.post("/categories", admin_token, json={"name": "Mobile App", "description": "Phones"})
    assert response.status_code == 201 and response.json["slug"] == "mobile-app"
    assert api.post("/categories", admin_token, json={"name": "Mobile App"}).status_code == 409
    member = api.token_for(factories.user().email)
    assert api.post("/categories", member, json={"name": "Nope"}).status_code == 403
    factories.thread(category_=factories.category(slug="counted"))
    counts = {c["slug"]: c["thread_count"] for c in api.get("/categories").json["items"]}
    assert counts["mobile-app"] == 0 and counts["counted"] == 1


def test_categories_and_revisions_page_like_every_list(api):
    admin = api.token_for(factories.admin().email)
    for i in range(5):
        assert api.post("/categories", admin, json={"name": f"Area {i}"}).status_code == 201
    seen, cursor = [], None
    while True:
        page = api.get("/categories?limit=2" + (f"&cursor={cursor}" if cursor else "")).json
        seen += [c["slug"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [f"area-{i}" for i in range(5)]
    assert api.get("/categories?limit=abc").status_code == 400
    assert api.get("/categories?cursor=-1").status_code == 400

    user = factories.user()
    answer = factories.answer(factories.thread(), user)
    from community import services
    for n in range(3):
        services.edit_post(user, answer.id, f"Edited answer text, version {n + 2}.")
    first = api.get(f"/posts/{answer.id}/revisions?limit=3").json
    assert [r["rev"] for r in first["items"]] == [1, 2, 3]
    rest = api.get(f"/posts/{answer.id}/revisions?limit=3&cursor={first['next_cursor']}").json
    assert [r["rev"] for r in rest["items"]] == [4] and rest["next_cursor"] is None
