"""Thread and user actions through the API and the pages: lock, close, duplicate (closed to
answers), move, merge (answers, votes and links follow; escalated cases linked), suspension
(sign-in refused, sessions and tokens ended), silence, roles, finding users, deleting a spammer;
members refused (403) everywhere; an audit row for each."""
import pytest
from sqlalchemy import func, select

from community import services
from community.models import AuditEntry, Case, Post, ThreadLink, Vote
from core.database import db
from tests import factories


@pytest.fixture
def mod(api):
    return api.token_for(factories.user("moderator").email)


def _audit(action):
    return db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == action))


MEMBER_CALLS = [
    ("POST", "/threads/{t}/lock", {"locked": True, "reason": "x"}),
    ("POST", "/threads/{t}/close", {"closed": True, "reason": "off_topic"}),
    ("POST", "/threads/{t}/move", {"category": "{c}"}),
    ("POST", "/threads/{t}/merge", {"into_id": "{o}"}),
    ("POST", "/users/{u}/suspension", {"until": "2099-01-01", "reason": "x"}),
    ("DELETE", "/users/{u}/suspension", None),
    ("POST", "/users/{u}/silence", {"until": "2099-01-01", "reason": "x"}),
    ("DELETE", "/users/{u}/silence", None),
    ("POST", "/users/{u}/purge", {"reason": "x"}),
    ("PATCH", "/users/{u}", {"role": "moderator"}),
    ("GET", "/users?q=a", None),
    ("GET", "/review", None),
]


def test_every_action_is_refused_to_members(api):
    thread, original = factories.thread(), factories.thread()
    other = factories.user()
    member = api.token_for(factories.user().email)
    cat = factories.category()
    values = {"t": thread.id, "o": original.id, "u": other.id, "c": cat.slug}

    def fill(v):
        if isinstance(v, str) and v.startswith("{"):
            return int(v.format(**values)) if v != "{c}" else v.format(**values)
        return v

    for method, url, body in MEMBER_CALLS:
        json = {k: fill(v) for k, v in body.items()} if body else None
        response = api.call(method, url.format(**values), member, json=json)
        assert response.status_code == 403, (method, url, response.json)
    assert db.session.scalar(select(func.count(AuditEntry.id))) == 0


def test_lock_and_close_stop_answers_and_are_audited(api, mod):
    thread = factories.thread()
    answer = factories.answer(thread)
    author = api.token_for(factories.user().email)
    response = api.post(f"/threads/{thread.id}/lock", mod, json={"locked": True,
                                                                 "reason": "heated"})
    assert response.status_code == 200 and response.json["is_locked"] is True
    assert api.post(f"/threads/{thread.id}/answers", author,
                    json={"body": "Another answer body here"}).status_code == 403
    assert api.post(f"/posts/{answer.id}/vote", author, json={"value": 1}).status_code == 403
    api.post(f"/threads/{thread.id}/lock", mod, json={"locked": False, "reason": "calm"})
    response = api.post(f"/threads/{thread.id}/close", mod,
                        json={"closed": True, "reason": "off_topic"})
    assert response.json["is_closed"] is True and response.json["close_reason"] == "off_topic"
    assert api.post(f"/threads/{thread.id}/answers", author,
                    json={"body": "Another answer body here"}).status_code == 403
    assert api.post(f"/threads/{thread.id}/close", mod,
                    json={"closed": True, "reason": "nonsense"}).status_code == 422
    assert (_audit("thread.locked"), _audit("thread.unlocked"), _audit("thread.closed")) == \
        (1, 1, 1)


def test_a_duplicate_is_closed_with_a_banner_to_the_original(api, web, mod):
    original = factories.thread(title="The original question about exports")
    dup = factories.thread()
    assert api.post(f"/threads/{dup.id}/duplicate", mod,
                    json={"original_id": original.id}).status_code == 200
    member = api.token_for(factories.user().email)
    assert api.post(f"/threads/{dup.id}/answers", member,
                    json={"body": "An answer to a duplicate"}).status_code == 403
    page = web.get(f"/t/{dup.id}/{dup.slug}").get_data(as_text=True)
    assert "The original question about exports" in page and "Post your answer" not in page


def test_move_changes_category_counts(api, mod):
    source, target = factories.category(), factories.category()
    thread = factories.thread(category_=source)
    response = api.post(f"/threads/{thread.id}/move", mod, json={"category": target.slug})
    assert response.status_code == 200 and response.json["category"] == target.slug
    counts = {c["slug"]: c["thread_count"] for c in api.get("/categories?limit=100").json["items"]}
    assert (counts[source.slug], counts[target.slug]) == (0, 1)
    assert api.post(f"/threads/{thread.id}/move", mod,
                    json={"category": "nowhere"}).status_code == 422


def test_merge_moves_answers_with_votes_links_and_links_cases(api, mod):
    original, dup = factories.thread(), factories.thread()
    answer = factories.answer(dup)
    voter = factories.user()
    services.cast_vote(voter, answer.id, 1)
    pointer = factories.thread()
    from community.services import moderation
    moderator = db.session.scalar(select(type(voter)).where(type(voter).role == "moderator"))
    moderation.mark_duplicate(moderator, pointer.id, dup.id)
    support = factories.user("support")
    services.escalate(support, original.id, "Customer waiting on this", "normal")
    services.escalate(support, dup.id, "Same problem", "normal")
    response = api.post(f"/threads/{dup.id}/merge", mod, json={"into_id": original.id})
    assert response.status_code == 200, response.json
    moved = db.session.get(Post, answer.id)
    db.session.refresh(moved)
    assert moved.thread_id == original.id and moved.score == 1
    assert db.session.scalar(select(Vote.value).where(Vote.post_id == answer.id)) == 1
    body = api.get(f"/threads/{original.id}").json
    assert [a["id"] for a in body["answers"]] == [answer.id] and body["answer_count"] == 1
    links = set(db.session.execute(select(ThreadLink.thread_id, ThreadLink.target_id)).all())
    assert links == {(pointer.id, original.id), (dup.id, original.id)}
    dup_case, original_case = (db.session.scalar(select(Case).where(Case.thread_id == t))
                               for t in (dup.id, original.id))
    db.session.refresh(dup_case)
    assert dup_case.linked_case_id == original_case.id
    assert _audit("thread.merged") == 1 and _audit("case.escalated") == 2
    assert api.get(f"/threads/{dup.id}").json["answer_count"] == 0


def test_suspension_refuses_sign_in_and_ends_sessions_and_tokens(api, web,
                                                                  client, mod):
    member = factories.user(username="suspendme")
    token = api.token_for(member.email)
    web.login("suspendme")
    assert api.get("/me", token).status_code == 200
    response = api.post(f"/users/{member.id}/suspension", mod,
                        json={"until": "2099-01-01T00:00:00Z", "reason": "spam"})
    assert response.status_code == 200 and response.json["suspended_until"].startswith("2099")
    assert api.get("/me", token).status_code == 401
    assert web.get("/settings").status_code == 302  # the session is over: sign in again
    refused = web.post("/login", {"login": "suspendme", "password": "password123"})
    assert refused.status_code == 403 and "suspended" in refused.get_data(as_text=True)
    assert client.post("/api/v1/auth/token", json={"email": member.email,
                                                   "password": "password123"}).status_code == 401
    assert api.delete(f"/users/{member.id}/suspension", mod).status_code == 204
    assert api.token_for(member.email)
    assert _audit("user.suspended") == 1 and _audit("user.unsuspended") == 1
    assert api.post(f"/users/{member.id}/suspension", mod,
                    json={"until": "2000-01-01", "reason": "x"}).status_code == 422


def test_silence_makes_a_member_read_only(api, mod):
    member = factories.user()
    thread = factories.thread()
    token = api.token_for(member.email)
    assert api.post(f"/users/{member.id}/silence", mod,
                    json={"until": "2099-01-01", "reason": "cool off"}).status_code == 200
    assert api.get(f"/threads/{thread.id}", token).status_code == 200
    assert api.post(f"/threads/{thread.id}/answers", token,
                    json={"body": "I am silenced but try"}).status_code == 403
    api.delete(f"/users/{member.id}/silence", mod)
    assert api.post(f"/threads/{thread.id}/answers", token,
                    json={"body": "I may speak again now"}).status_code == 201


def test_roles_are_for_admins_and_staff_find_users(api, mod):
    member = factories.user(username="findme_person")
    boss = api.token_for(factories.admin().email)
    assert api.patch(f"/users/{member.id}", mod, json={"role": "moderator"}).status_code == 403
    response = api.patch(f"/users/{member.id}", boss, json={"role": "moderator"})
    assert response.status_code == 200 and response.json["role"] == "moderator"
    assert api.patch(f"/users/{member.id}", boss, json={"role": "king"}).status_code == 422
    found = api.get("/users?q=findme", mod).json["items"]
    assert [u["id"] for u in found] == [member.id] and found[0]["email"]
    assert _audit("user.role_changed") == 1


def test_a_spammer_and_all_their_posts_go_in_one_step(api, client, mod):
    spammer = factories.user()
    threads = [factories.thread(spammer) for _ in range(2)]
    other = factories.thread()
    answer = factories.answer(other, spammer)
    response = api.post(f"/users/{spammer.id}/purge", mod, json={"reason": "spam"})
    assert response.status_code == 200 and response.json["deleted_posts"] == 3
    for thread in threads:
        assert client.get(f"/api/v1/threads/{thread.id}").status_code == 404
    assert client.get(f"/api/v1/posts/{answer.id}").status_code == 404
    assert api.get(f"/threads/{other.id}").json["answer_count"] == 0
    assert response.json["user"]["suspended_until"] is not None


def test_staff_pages_work_without_javascript(web, app):
    member = factories.user(username="pagemember")
    thread = factories.thread(title="A thread moderated through pages")
    factories.user("moderator", username="pagemod")
    web.login("pagemod")
    assert web.get(f"/staff/threads/{thread.id}").status_code == 200
    assert web.post(f"/t/{thread.id}/lock", {"locked": "true", "reason": "test"}).status_code == 302
    assert "Locked" in web.get(f"/t/{thread.id}/{thread.slug}").get_data(as_text=True)
    assert "pagemember" in web.get("/staff/users?q=pagem").get_data(as_text=True)
    assert web.get(f"/staff/users/{member.id}").status_code == 200
    assert web.post(f"/staff/users/{member.id}/silence", {"days": "7", "reason": "calm"}).status_code == 302
    db.session.refresh(member)
    assert member.is_silenced
    assert web.post(f"/staff/users/{member.id}/purge", {"reason": "spam"}).status_code == 302
    db.session.refresh(member)
    assert not member.is_suspended  # not confirmed: nothing happened
