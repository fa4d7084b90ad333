"""API accounts: tokens, registration, users, /me, the reputation ledger."""
from tests import factories


def test_token_lifecycle(api):
    user = factories.user(username="tok")
    response = api.post("/auth/token", json={"email": "tok@example.com", "password": "password123"})
    assert response.status_code == 200
    token = response.json["token"]
    assert response.json["user"]["id"] == user.id
    me = api.get("/me", token)
    assert me.status_code == 200 and me.json["email"] == "tok@example.com"
    assert api.delete("/auth/token", token).status_code == 204
    revoked = api.get("/me", token)
    assert revoked.status_code == 401
    assert revoked.headers["Content-Type"] == "application/problem+json"


def test_bad_credentials_and_missing_token_are_401(api):
    factories.user(username="eve")
    assert api.post("/auth/token", json={"email": "eve@example.com",
                                         "password": "nope-nope"}).status_code == 401
    assert api.get("/me").status_code == 401
    assert api.get("/me", "cp_not-a-real-token").status_code == 401
    assert api.get("/me", headers={"Authorization": "Basic abc"}).status_code == 401


def test_register_via_api_and_duplicates_are_409(api):
    response = api.post("/users", json={"username": "newbie", "email": "n@example.com",
                                        "password": "password123"})
    assert response.status_code == 201
    assert response.json["username"] == "newbie" and response.json["reputation"] == 1
    again = api.post("/users", json={"username": "NEWBIE", "email": "n@example.com",
                                     "password": "password123"})
    assert again.status_code == 409
    assert set(again.json["errors"]) == {"username", "email"}


def test_register_validation_names_fields(api):
    response = api.post("/users", json={"username": "x", "email": "nope", "password": "1"})
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"username", "email", "password"}
    assert response.json["status"] == 422 and response.json["title"]


def test_user_email_only_to_self_and_staff(api):
    subject, other, mod = factories.user(), factories.user(), factories.user("moderator")
    public = api.get(f"/users/{subject.id}")
    assert public.status_code == 200 and "email" not in public.json
    assert set(public.json) >= {"id", "username", "reputation", "rank", "is_super_user", "roles",
                                "badges", "created_at"}
    assert "email" not in api.get(f"/users/{subject.id}", api.token_for(other.email)).json
    assert api.get(f"/users/{subject.id}", api.token_for(mod.email)).json["email"] == subject.email
    assert api.get(f"/users/{subject.id}", api.token_for(subject.email)).json["email"] == subject.email
    assert api.get("/users/999999").status_code == 404


def test_reputation_ledger_lists_changes(api):
    asker, answerer = factories.user(), factories.user()
    thread = factories.thread(asker)
    answer = factories.answer(thread, answerer)
    token = api.token_for(asker.email)
    api.post(f"/posts/{answer.id}/vote", token, json={"value": 1})
    api.post(f"/threads/{thread.id}/accept", token, json={"post_id": answer.id})
    ledger = api.get(f"/users/{answerer.id}/reputation").json
    assert [(i["delta"], i["reason"]) for i in ledger["items"]] == [
        (15, "answer_accepted"), (10, "answer_upvoted")]
    assert ledger["items"][0]["thread_id"] == thread.id
    assert ledger["items"][0]["post_id"] == answer.id


def test_rate_limit_on_token_endpoint_gives_429_with_retry_after(api):
    factories.user(username="spam")
    statuses = [api.post("/auth/token", json={"email": "spam@example.com", "password": "wrong-one"}
                         ).status_code for _ in range(11)]
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429
    last = api.post("/auth/token", json={"email": "spam@example.com", "password": "wrong-one"})
    assert last.status_code == 429 and int(last.headers["Retry-After"]) > 0
    assert last.json["status"] == 429
