"""Privileges by reputation, per preset: refused in the API with the reason (403), shown in the
page as text that says what unlocks the control, and bypassed by staff."""
import pytest

from app.config import PRIVILEGE_PRESETS
from community.policies import privilege
from core.errors import PermissionDenied
from tests import factories

PRESETS = {"small": {"vote_up": 1, "flag": 1, "vote_down": 50, "edit_others": 500,
                     "close": 1000},
           "mature": {"vote_up": 15, "flag": 15, "vote_down": 125, "edit_others": 2000,
                      "close": 3000}}
LABELS = {"vote_up": "Voting up", "vote_down": "Voting down", "flag": "Flagging posts",
          "edit_others": "Editing other people's posts",
          "close": "Closing and marking duplicates"}


@pytest.fixture(params=sorted(PRESETS))
def preset(request, app):
    app.config["REPUTATION_PRIVILEGES"] = dict(PRIVILEGE_PRESETS[request.param])
    return request.param


def test_presets_hold_the_documented_numbers():
    assert PRIVILEGE_PRESETS == PRESETS


def test_the_environment_picks_the_preset(monkeypatch, tmp_path):
    from app.config import load_config
    monkeypatch.setenv("REPUTATION_PRESET", "mature")
    config = load_config({"INSTANCE_PATH": str(tmp_path)})
    assert config["REPUTATION_PRIVILEGES"] == PRESETS["mature"]
    monkeypatch.setenv("REPUTATION_PRESET", "huge")
    with pytest.raises(ValueError):
        load_config({"INSTANCE_PATH": str(tmp_path)})


def test_each_privilege_unlocks_at_its_number(preset):
    for name, needed in PRESETS[preset].items():
        below = factories.reputable(factories.user(), needed - 1) if needed > 1 else None
        if below is not None:
            decision = privilege(below, name)
            assert not decision
            assert decision.reason == f"{LABELS[name]} unlocks at {needed} reputation."
        assert privilege(factories.reputable(factories.user(), needed), name)
        assert privilege(factories.user("support"), name)  # staff bypass every privilege


def test_api_refuses_votes_and_edits_with_the_reason(preset, api):
    numbers = PRESETS[preset]
    author = factories.user()
    answer = factories.answer(factories.thread(), author)
    newcomer = factories.reputable(factories.user(), numbers["vote_up"])
    token = api.token_for(newcomer.email)
    assert api.post(f"/posts/{answer.id}/vote", token, json={"value": 1}).status_code == 200
    refused = api.post(f"/posts/{answer.id}/vote", token, json={"value": -1})
    assert refused.status_code == 403
    assert refused.json["detail"] == f"Voting down unlocks at {numbers['vote_down']} reputation."
    assert api.post(f"/posts/{answer.id}/vote", token, json={"value": 0}).status_code == 200
    edit = api.patch(f"/posts/{answer.id}", token, json={"body": "A better answer than before."})
    assert edit.status_code == 403
    assert str(numbers["edit_others"]) in edit.json["detail"]
    editor = factories.reputable(factories.user(), numbers["edit_others"])
    assert api.patch(f"/posts/{answer.id}", api.token_for(editor.email),
                     json={"body": "A better answer than before."}).status_code == 200


def test_marking_duplicates_needs_the_close_privilege(preset, api):
    numbers = PRESETS[preset]
    original, copy = factories.thread(), factories.thread()
    member = factories.reputable(factories.user(), numbers["close"] - 1)
    with pytest.raises(PermissionDenied, match=f"unlocks at {numbers['close']} reputation"):
        services_mark(member, copy.id, original.id)
    closer = factories.reputable(factories.user(), numbers["close"])
    response = api.post(f"/threads/{copy.id}/duplicate", api.token_for(closer.email),
                        json={"original_id": original.id})
    assert response.status_code == 200, response.json


def services_mark(actor, thread_id, original_id):
    from community.services import moderation
    return moderation.mark_duplicate(actor, thread_id, original_id)


def test_the_page_says_what_unlocks_a_control(preset, web):
    numbers = PRESETS[preset]
    answer = factories.answer(factories.thread())
    reader = factories.reputable(factories.user(), numbers["vote_up"])
    web.login(reader.email)
    html = web.get(f"/t/{answer.thread_id}", follow_redirects=True).get_data(as_text=True)
    # Plain text beside the post (phones get it too), and the disabled button points at it.
    assert f"Voting down unlocks at {numbers['vote_down']} reputation." in html
    assert f'disabled aria-describedby="unlock-{answer.id}"' in html
    assert f"Editing other people&#39;s posts unlocks at {numbers['edit_others']} reputation." \
        in html
    # Once the reputation is there, the control works and the text is gone.
    factories.reputable(reader, numbers["vote_down"])
    html = web.get(f"/t/{answer.thread_id}", follow_redirects=True).get_data(as_text=True)
    assert "Voting down unlocks" not in html and "disabled" not in html
