"""POST /api/v1/crm/events: the CRM's signed case updates (Standard Webhooks). A good signature
updates the case and turns a resolution into a draft seen by staff and the asker only; a bad
one, a stale timestamp, a replay or a bad body is refused, never with a 500."""
import base64
import json
import time

import pytest

from community import services
from community.models import Case, Post
from core.database import db
from crm import relay, signing
from tests import factories

SECRET = "whsec_" + base64.b64encode(b"a shared secret of the CRM!").decode()


@pytest.fixture
def setting(app):
    app.config["CRM_WEBHOOK_SECRET"] = SECRET
    asker, member = factories.user(), factories.user()
    support, moderator = factories.user("support"), factories.user("moderator")
    thread = factories.thread(asker)
    case = services.escalate(support, thread.id, "Needs an agent.", "normal")
    relay.run_once()
    ref = db.session.get(Case, case.id).crm_ref
    return {"asker": asker, "member": member, "support": support, "moderator": moderator,
            "thread": thread, "case_id": case.id, "ref": ref}


_ids = iter(range(1, 10**6))


def send(client, body, secret=SECRET, msg_id=None, timestamp=None, raw=None):
    raw = raw if raw is not None else json.dumps(body).encode()
    headers = signing.headers(secret, msg_id or f"msg_{next(_ids)}", raw, timestamp)
    return client.post("/api/v1/crm/events", data=raw, headers=headers,
                       content_type="application/json")


def _event(ref, status="pending", resolution=None):
    return {"type": "case.updated", "case_ref": ref, "status": status, "resolution": resolution}


def test_a_signed_update_changes_the_case_status(client, api, setting):
    response = send(client, _event(setting["ref"], "pending"))
    assert response.status_code == 204, response.get_data(as_text=True)
    token = api.token_for(setting["asker"].email)
    assert api.get(f"/threads/{setting['thread'].id}/case", token).json["case"]["status"] == \
        "pending"


def test_a_resolution_is_a_draft_for_staff_and_the_asker_only(client, api, setting):
    assert send(client, _event(setting["ref"], "closed", "Replace the **fuse**.")).status_code == 204
    case = db.session.get(Case, setting["case_id"])
    draft = db.session.get(Post, case.resolution_post_id)
    assert draft.is_draft and draft.author_id == setting["support"].id
    assert "<strong>fuse</strong>" in draft.body_html
    thread_url = f"/threads/{setting['thread'].id}"
    for who in ("asker", "support", "moderator"):
        answers = api.get(thread_url, api.token_for(setting[who].email)).json["answers"]
        assert [(a["id"], a["is_draft"]) for a in answers] == [(draft.id, True)]
    for token in (api.token_for(setting["member"].email), None):
        shown = api.get(thread_url, token).json
        assert shown["answers"] == [] and shown["answer_count"] == 0
        assert api.get(f"/posts/{draft.id}", token).status_code == 404


def test_the_same_resolution_twice_is_one_draft_and_a_new_text_edits_it(client, setting):
    send(client, _event(setting["ref"], "closed", "Replace the fuse."))
    send(client, _event(setting["ref"], "closed", "Replace the fuse."))
    send(client, _event(setting["ref"], "closed", "Replace the fuse, then restart."))
    [draft] = db.session.scalars(db.select(Post).where(Post.is_draft.is_(True)))
    assert draft.body == "Replace the fuse, then restart." and draft.revision_count == 2


def test_a_bad_signature_is_401_and_changes_nothing(client, setting):
    assert send(client, _event(setting["ref"]), secret="whsec_" + base64.b64encode(
        b"someone else").decode()).status_code == 401
    raw = json.dumps(_event(setting["ref"])).encode()
    headers = signing.headers(SECRET, "msg_x", raw)
    tampered = client.post("/api/v1/crm/events", data=raw.replace(b"pending", b"closed"),
                           headers=headers, content_type="application/json")
    assert tampered.status_code == 401
    unsigned = client.post("/api/v1/crm/events", json=_event(setting["ref"]))
    assert unsigned.status_code == 401
    assert db.session.get(Case, setting["case_id"]).status == "open"


def test_a_stale_or_future_timestamp_is_401(client, setting):
    old, future = int(time.time()) - 6 * 60, int(time.time()) + 6 * 60
    assert send(client, _event(setting["ref"]), timestamp=old).status_code == 401
    assert send(client, _event(setting["ref"]), timestamp=future).status_code == 401


def test_a_replayed_webhook_id_is_409(client, setting):
    assert send(client, _event(setting["ref"]), msg_id="msg_once").status_code == 204
    replay = send(client, _event(setting["ref"], "closed"), msg_id="msg_once")
    assert replay.status_code == 409
    assert db.session.get(Case, setting["case_id"]).status == "pending"


def test_an_unknown_case_ref_is_404_and_its_id_can_come_again(client, setting):
    assert send(client, _event("lk-99999"), msg_id="msg_unknown").status_code == 404
    assert send(client, _event(setting["ref"]), msg_id="msg_unknown").status_code == 204


@pytest.mark.parametrize("body", [
    {"type": "case.updated", "case_ref": "x", "status": "exploded", "resolution": None},
    {"type": "case.deleted", "case_ref": "x", "status": "open"},
    {"type": "case.updated", "status": "open"},
    {"type": "case.updated", "case_ref": 5, "status": "open"},
    {"type": "case.updated", "case_ref": "x", "status": "open", "resolution": ["a"]},
    {"type": "case.updated", "case_ref": "x", "status": "open", "extra": 1},
    {"type": "case.updated", "case_ref": "a\u0000b", "status": "open"},
])
def test_a_bad_body_is_422(client, setting, body):
    response = send(client, body)
    assert response.status_code == 422 and response.mimetype == "application/problem+json"


@pytest.mark.parametrize("raw", [b"", b"not json", b"[1, 2]", b"{\"a\": ", b"\xff\xfe",
                                 b"[" * 5000, b"{\"case_ref\": 1e999}", b"null"])
def test_hostile_signed_bodies_are_4xx_never_500(client, setting, raw):
    response = send(client, None, raw=raw)
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)


@pytest.mark.parametrize("headers", [
    {"webhook-id": "m", "webhook-timestamp": "nan", "webhook-signature": "v1,xx"},
    {"webhook-id": "m", "webhook-timestamp": "9" * 40, "webhook-signature": "v1"},
    {"webhook-id": "", "webhook-timestamp": "", "webhook-signature": ""},
    {"webhook-id": "m", "webhook-timestamp": "-1", "webhook-signature": "v1,=== v2,"},
])
def test_hostile_headers_are_401(client, setting, headers):
    response = client.post("/api/v1/crm/events", json=_event(setting["ref"]), headers=headers)
    assert response.status_code == 401


def test_without_a_secret_configured_every_event_is_refused(app, client, setting):
    app.config["CRM_WEBHOOK_SECRET"] = None
    assert send(client, _event(setting["ref"])).status_code == 401
