"""Escalating a thread to a support case: who may, one case per thread, the relay creating it in
the (local) CRM and its ref coming back; publishing a draft answer."""
import threading

import pytest

from community import services
from community.models import Case
from core.database import db
from crm import relay
from crm.models import LocalActivity, LocalCase, OutboxRow
from tests import factories
from tests.conftest import USING_POSTGRES

ESCALATION = {"reason": "The customer's printer is on fire.", "priority": "high"}


@pytest.fixture
def people(app):
    asker = factories.user()
    return {"asker": asker, "member": factories.user(), "support": factories.user("support"),
            "moderator": factories.user("moderator"), "thread": factories.thread(asker)}


def _token(api, user):
    return api.token_for(user.email)


def test_a_member_may_not_escalate_and_an_anonymous_caller_must_sign_in(api, people):
    url = f"/threads/{people['thread'].id}/escalate"
    assert api.post(url, _token(api, people["member"]), json=ESCALATION).status_code == 403
    assert api.post(url, _token(api, people["asker"]), json=ESCALATION).status_code == 403
    assert api.post(url, json=ESCALATION).status_code == 401
    assert db.session.scalar(db.select(db.func.count(Case.id))) == 0


@pytest.mark.parametrize("role", ["support", "moderator"])
def test_staff_escalate_and_the_case_waits_for_its_crm_ref(api, people, role):
    thread = people["thread"]
    response = api.post(f"/threads/{thread.id}/escalate", _token(api, people[role]),
                        json=ESCALATION)
    assert response.status_code == 201, response.json
    case = response.json["case"]
    assert (case["ref"], case["status"], case["priority"]) == (None, "pending_sync", "high")
    assert response.headers["Location"].endswith(f"/api/v1/threads/{thread.id}/case")
    [row] = db.session.scalars(db.select(OutboxRow).where(OutboxRow.kind == "case.create"))
    assert row.payload == {"case_id": case["id"]} and row.status == "pending"


def test_a_second_escalation_is_a_conflict(api, people):
    url, token = f"/threads/{people['thread'].id}/escalate", _token(api, people["support"])
    assert api.post(url, token, json=ESCALATION).status_code == 201
    again = api.post(url, _token(api, people["moderator"]), json=ESCALATION)
    assert again.status_code == 409 and again.json["errors"]["case"]
    assert db.session.scalar(db.select(db.func.count(OutboxRow.id))
                             .where(OutboxRow.kind == "case.create")) == 1


def test_two_concurrent_escalations_make_exactly_one_case(app, people):
    support, moderator, thread = people["support"], people["moderator"], people["thread"]
    outcomes, barrier = [], threading.Barrier(2)

    def escalate(user_id):
        with app.app_context():
            actor = db.session.get(type(support), user_id)
            barrier.wait()
            try:
                services.escalate(actor, thread.id, "Needs an agent now.", "urgent")
                outcomes.append("created")
            except Exception as exc:  # noqa: BLE001 - the outcome is what we assert
                outcomes.append(type(exc).__name__)
            finally:
                db.session.remove()

    workers = [threading.Thread(target=escalate, args=(u.id,)) for u in (support, moderator)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert sorted(outcomes) == ["Conflict", "created"] or \
        (not USING_POSTGRES and sorted(outcomes) in (["Busy", "created"],))
    db.session.rollback()  # a fresh snapshot, after both writers
    assert db.session.scalar(db.select(db.func.count(Case.id))) == 1


def test_unknown_or_deleted_threads_are_not_found(api, people):
    token = _token(api, people["support"])
    assert api.post("/threads/999999/escalate", token, json=ESCALATION).status_code == 404
    services.delete_post(people["asker"], people["thread"].question_post_id)
    gone = api.post(f"/threads/{people['thread'].id}/escalate", token, json=ESCALATION)
    assert gone.status_code == 404


@pytest.mark.parametrize("body, field", [
    ({"reason": "Fire.", "priority": "critical"}, "priority"),
    ({"reason": "", "priority": "low"}, "reason"),
    ({"priority": "low"}, "reason"),
    ({"reason": "Fire.", "priority": "low", "ref": "x"}, "ref"),
])
def test_bad_escalations_are_422_naming_the_field(api, people, body, field):
    response = api.post(f"/threads/{people['thread'].id}/escalate",
                        _token(api, people["support"]), json=body)
    assert response.status_code == 422 and field in response.json["errors"]


def test_the_relay_creates_the_case_in_the_crm_and_its_ref_comes_back(api, people):
    thread, _asker = people["thread"], people["asker"]
    api.post(f"/threads/{thread.id}/escalate", _token(api, people["support"]), json=ESCALATION)
    assert relay.run_once() .get("delivered", 0) >= 1
    [local] = db.session.scalars(db.select(LocalCase))
    assert (local.thread_id, local.priority, local.subject) == (thread.id, "high", thread.title)
    assert local.contact_id is not None  # the asker's contact, found or made on the way
    for viewer in ("asker", "support", "moderator"):
        seen = api.get(f"/threads/{thread.id}/case", _token(api, people[viewer]))
        assert seen.status_code == 200
        assert (seen.json["case"]["ref"], seen.json["case"]["status"]) == (local.ref, "open")
    assert api.get(f"/threads/{thread.id}/case", _token(api, people["member"])).status_code == 403
    assert api.get(f"/threads/{thread.id}/case").status_code == 401
    assert relay.run_once(now_too=True) == {}  # delivered once; nothing left


def test_a_thread_without_a_case_answers_404(api, people):
    response = api.get(f"/threads/{people['thread'].id}/case", _token(api, people["support"]))
    assert response.status_code == 404


def _resolved(people, body="Replace the **fuse** and restart."):
    case = services.escalate(people["support"], people["thread"].id, "Fire.", "urgent")
    relay.run_once()
    ref = db.session.get(Case, case.id).crm_ref
    services.apply_case_change(services.case_change(ref, "closed", body))
    return db.session.get(Case, case.id)


def test_staff_publish_a_draft_and_it_counts_as_an_answer_for_everyone(api, people):
    case = _resolved(people)
    draft_id, thread_id = case.resolution_post_id, people["thread"].id
    before = api.get(f"/threads/{thread_id}").json
    assert before["answer_count"] == 0 and before["answers"] == []
    assert api.post(f"/posts/{draft_id}/publish", _token(api, people["asker"])).status_code == 403
    published = api.post(f"/posts/{draft_id}/publish", _token(api, people["support"]))
    assert published.status_code == 200 and published.json["is_draft"] is False
    after = api.get(f"/threads/{thread_id}").json
    assert after["answer_count"] == 1 and [a["id"] for a in after["answers"]] == [draft_id]
    assert "<strong>fuse</strong>" in after["answers"][0]["body_html"]
    again = api.post(f"/posts/{draft_id}/publish", _token(api, people["support"]))
    assert again.status_code == 403  # already published
    services.accept_answer(people["asker"], thread_id, draft_id)  # an answer like any other


def test_a_draft_is_not_found_by_those_who_may_not_see_it(api, people):
    draft_id = _resolved(people).resolution_post_id
    assert api.post(f"/posts/{draft_id}/publish", _token(api, people["member"])).status_code == 404


def test_solving_an_escalated_thread_tells_the_crm_case(people):
    thread, asker = people["thread"], people["asker"]
    services.escalate(people["support"], thread.id, "Stuck.", "normal")
    answer = services.create_answer(people["member"], thread.id, "Turn it off and on again.")
    services.accept_answer(asker, thread.id, answer.id)
    relay.run_once()
    [update] = db.session.scalars(db.select(OutboxRow).where(OutboxRow.kind == "case.update"))
    assert update.status == "delivered"
    [local] = db.session.scalars(db.select(LocalCase))
    notes = db.session.scalars(db.select(LocalActivity.subject)
                               .where(LocalActivity.kind == "case_updated")).all()
    assert notes and f"#post-{answer.id}" in notes[0] and local.status == "open"
