"""Idempotency-Key on API POSTs: a retried create returns the first response and creates nothing;
the key is per caller, bound to its body, released by a refusal, and forgotten after 24 hours."""
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from community.models import Thread, User
from core.database import db
from core.once import OnceKey
from core.time import utcnow
from tests import factories


@pytest.fixture
def asker(api):
    user = factories.user()
    factories.category(slug="general")
    return user, api.token_for(user.email)


ASK = {"title": "How do I reset the printer?", "body": "It blinks orange twice.",
       "category": "general", "tags": ["printing"]}


def key(value):
    return {"Idempotency-Key": value}


def threads() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(Thread.id)))


def test_a_retried_create_returns_the_first_response_and_creates_nothing(api, asker):
    token = asker[1]
    first = api.post("/threads", token, json=ASK, headers=key("ask-1"))
    again = api.post("/threads", token, json=ASK, headers=key("ask-1"))
    assert first.status_code == again.status_code == 201
    assert again.json == first.json and again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert threads() == 1
    other = api.post("/threads", token, json=ASK, headers=key("ask-2"))
    assert other.status_code == 201 and threads() == 2  # a new key is a new request


def test_a_replayed_vote_is_not_counted_again(api):
    answer = factories.answer(factories.thread())
    voter = factories.user()
    token = api.token_for(voter.email)
    for _ in range(2):
        response = api.post(f"/posts/{answer.id}/vote", token, json={"value": 1}, headers=key("v"))
        assert response.json == {"score": 1, "my_vote": 1}
    db.session.rollback()
    assert db.session.get(User, answer.author_id).reputation == 11


def test_the_same_key_with_another_body_is_422(api, asker):
    token = asker[1]
    assert api.post("/threads", token, json=ASK, headers=key("k")).status_code == 201
    response = api.post("/threads", token, json=ASK | {"title": "Another question title"},
                        headers=key("k"))
    assert response.status_code == 422 and "Idempotency-Key" in response.json["errors"]
    elsewhere = api.post("/categories", token, json={"name": "Elsewhere"}, headers=key("k"))
    assert elsewhere.status_code == 422  # the key is bound to its route too
    assert threads() == 1


def test_keys_belong_to_their_caller(api, asker):
    other = api.token_for(factories.user().email)
    assert api.post("/threads", asker[1], json=ASK, headers=key("shared")).status_code == 201
    theirs = api.post("/threads", other, json=ASK, headers=key("shared"))
    assert theirs.status_code == 201 and "Idempotent-Replayed" not in theirs.headers
    assert threads() == 2


def test_anonymous_callers_are_told_apart_by_address(api):
    new = {"username": "newbie", "email": "newbie@example.com", "password": "password123"}
    here = {"REMOTE_ADDR": "10.1.1.1"}
    first = api.post("/users", json=new, headers=key("signup"), environ_base=here)
    again = api.post("/users", json=new, headers=key("signup"), environ_base=here)
    assert first.status_code == again.status_code == 201 and again.json == first.json
    there = api.post("/users", json=new, headers=key("signup"), environ_base={"REMOTE_ADDR": "10.2.2.2"})
    assert there.status_code == 409  # not a replay: another caller, so the request really ran


def test_a_refused_request_releases_its_key(api, asker):
    token = asker[1]
    refused = api.post("/threads", token, json=ASK | {"category": "nope"}, headers=key("retry"))
    assert refused.status_code == 422 and set(refused.json["errors"]) == {"category"}
    fixed = api.post("/threads", token, json=ASK, headers=key("retry"))
    assert fixed.status_code == 201 and threads() == 1


def test_a_key_still_in_progress_is_409_and_creates_nothing(api, asker):
    token = asker[1]
    assert api.post("/threads", token, json=ASK, headers=key("busy")).status_code == 201
    # As a twin sees it while the first request is still running: claimed, no response yet.
    db.session.execute(update(OnceKey).values(status=None, body=None, location=None))
    db.session.commit()
    response = api.post("/threads", token, json=ASK, headers=key("busy"))
    assert response.status_code == 409 and "in progress" in response.json["detail"]
    assert threads() == 1


def test_keys_are_forgotten_after_24_hours(api, asker):
    token = asker[1]
    assert api.post("/threads", token, json=ASK, headers=key("old")).status_code == 201
    db.session.execute(update(OnceKey).values(created_at=utcnow() - timedelta(hours=25)))
    db.session.commit()
    later = api.post("/threads", token, json=ASK, headers=key("old"))
    assert later.status_code == 201 and "Idempotent-Replayed" not in later.headers
    assert threads() == 2
    assert db.session.scalar(select(func.count(OnceKey.id))) == 1  # the old one pruned


def test_secrets_are_never_stored_or_replayed(api, asker):
    user = asker[0]
    login = {"email": user.email, "password": "password123"}
    tokens = {api.post("/auth/token", json=login, headers=key("login")).json["token"]
              for _ in range(2)}
    assert len(tokens) == 2
    db.session.rollback()
    assert db.session.scalar(select(func.count(OnceKey.id))) == 0


@pytest.mark.parametrize("bad", ["", "x" * 256, "caf\u00e9"])
def test_a_malformed_key_is_400(api, asker, bad):
    headers = {"Idempotency-Key": bad.encode().decode("latin-1")}
    response = api.post("/threads", asker[1], json=ASK, headers=headers)
    assert response.status_code == 400 and threads() == 0


def test_concurrent_twins_create_one_thread(app, asker):
    """Six copies of one request at once: one thread; each copy gets it or a 409 to retry."""
    token, statuses, barrier = asker[1], [], threading.Barrier(6)

    def post():
        client = app.test_client()
        barrier.wait()
        response = client.post("/api/v1/threads", json=ASK, headers={
            "Authorization": f"Bearer {token}", "Idempotency-Key": "twin"})
        statuses.append((response.status_code, response.json.get("id")))

    workers = [threading.Thread(target=post) for _ in range(6)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert threads() == 1
    assert {status for status, _ in statuses} <= {201, 409}
    assert len({thread_id for status, thread_id in statuses if status == 201}) == 1
