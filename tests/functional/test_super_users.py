"""The super-user programme and moderation: nominations with evidence from SQL, grants and
revokes through the web with the audit log, the super-user's extra powers (marking duplicates,
accepting for a silent asker), flags, and the "duplicate of" notice."""
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.config import PRIVILEGE_PRESETS
from community import services
from community.models import Flag, Revision
from community.services import moderation
from core.database import db
from core.errors import Conflict, PermissionDenied
from core.time import utcnow
from reputation import super_users
from tests import factories


def _accepted_answers(answerer, count, category=None):
    for _ in range(count):
        asker = factories.user()
        thread = factories.thread(asker, category)
        services.accept_answer(asker, thread.id, factories.answer(thread, answerer).id)


def test_nominations_follow_the_configured_criteria(app):
    app.config.update(SUPER_USER_MIN_ACCEPTED=3, SUPER_USER_MIN_REPUTATION=40)
    billing = factories.category("Billing", "billing")
    strong, weak, suspended = factories.user(), factories.user(), factories.user()
    _accepted_answers(strong, 3, billing)
    _accepted_answers(weak, 2, billing)
    _accepted_answers(suspended, 3)
    db.session.execute(update(type(suspended)).where(type(suspended).id == suspended.id)
                       .values(suspended_until=utcnow() + timedelta(days=3)))
    db.session.commit()
    nominees = super_users.nominations()
    assert [(n.user.id, n.accepted, n.categories) for n in nominees] == \
        [(strong.id, 3, ["Billing"])]
    assert nominees[0].posts == 3 and nominees[0].last_active_at is not None
    # Outside the window the accepts no longer count.
    app.config["SUPER_USER_WINDOW_DAYS"] = 0
    assert super_users.nominations() == []


def test_moderators_grant_and_revoke_on_the_web_with_a_reason(app, web):
    app.config.update(SUPER_USER_MIN_ACCEPTED=1, SUPER_USER_MIN_REPUTATION=1)
    answerer = factories.user(username="helpful")
    _accepted_answers(answerer, 1)
    factories.user("moderator", username="mod")
    web.login("mod")
    page = web.get("/staff/super-users").get_data(as_text=True)
    assert "helpful" in page and "<b>1</b> accepted answers" in page
    assert web.post(f"/u/{answerer.id}/super-user", {"granted": "true", "reason": ""}) \
        .status_code == 302  # refused: the reason is the record
    db.session.refresh(answerer)
    assert not answerer.is_super_user
    web.post(f"/u/{answerer.id}/super-user", {"granted": "true", "reason": "Great answers"})
    db.session.refresh(answerer)
    assert answerer.is_super_user
    profile = web.get(f"/u/{answerer.id}").get_data(as_text=True)
    assert '<span class="mark super-user">Super-user</span>' in profile
    assert "Revoke super-user status" in profile
    audit = web.get("/staff/audit").get_data(as_text=True)
    assert "super_user.granted" in audit and "Great answers" in audit


def test_members_cannot_grant_or_read_the_audit_log(app, web):
    member = factories.user(username="plain")
    with pytest.raises(PermissionDenied):
        super_users.set_super_user(member, member.id, True, "me")
    web.login("plain")
    assert web.get("/staff/audit").status_code == 403
    assert web.get("/staff/super-users").status_code == 403


def test_a_super_user_accepts_for_an_asker_silent_for_fourteen_days(app):
    asker, helper, expert = factories.user(), factories.user(), factories.user()
    super_users.set_super_user(factories.user("moderator"), expert.id, True, "Trusted")
    thread = factories.thread(asker)
    answer = factories.answer(thread, helper)
    with pytest.raises(PermissionDenied, match="silent for 14 days"):
        services.accept_answer(expert, thread.id, answer.id)
    db.session.execute(update(Revision).where(Revision.author_id == asker.id)
                       .values(created_at=utcnow() - timedelta(days=15)))
    db.session.commit()
    services.accept_answer(expert, thread.id, answer.id)
    db.session.refresh(helper)
    db.session.refresh(expert)
    assert thread.status == "solved" and helper.reputation == 16 and expert.reputation == 1
    with pytest.raises(PermissionDenied):  # changing an accepted answer stays the asker's
        services.accept_answer(expert, thread.id, None)


def test_super_users_mark_duplicates_and_readers_see_the_original(app, client):
    expert = factories.user()
    super_users.set_super_user(factories.user("moderator"), expert.id, True, "Trusted")
    original, copy = factories.thread(title="The original question here"), factories.thread()
    moderation.mark_duplicate(expert, copy.id, original.id)
    page = client.get(f"/t/{copy.id}/{copy.slug}").get_data(as_text=True)
    assert "This question has been asked before" in page and "The original question here" in page
    with pytest.raises(Conflict):
        moderation.mark_duplicate(expert, copy.id, original.id)


def test_duplicate_form_and_flag_button_on_the_thread_page(app, web):
    moderator = factories.user("moderator", username="mod")
    original, copy = factories.thread(), factories.thread()
    answer = factories.answer(copy)
    web.login("mod")
    page = web.get(f"/t/{copy.id}/{copy.slug}").get_data(as_text=True)
    assert "Mark as a duplicate" in page and f'href="/posts/{answer.id}/flag"' in page
    form = web.get(f"/posts/{answer.id}/flag").get_data(as_text=True)
    assert f'action="/posts/{answer.id}/flag"' in form and '<option value="spam">' in form
    web.post(f"/t/{copy.id}/duplicate", {"original_id": f"#{original.id}"})
    web.post(f"/posts/{answer.id}/flag", {"reason": "spam", "detail": "link farm"})
    page = web.get(f"/t/{copy.id}/{copy.slug}").get_data(as_text=True)
    assert "This question has been asked before" in page
    assert "Mark as a duplicate" not in page
    flags = db.session.scalars(select(Flag)).all()
    assert [(f.post_id, f.user_id, f.reason, f.detail) for f in flags] == \
        [(answer.id, moderator.id, "spam", "link farm")]


def test_flags_through_the_api(app, api):
    answer = factories.answer(factories.thread())
    flagger = factories.user()
    token = api.token_for(flagger.email)
    created = api.post(f"/posts/{answer.id}/flags", token, json={"reason": "spam"})
    assert created.status_code == 201 and created.json["status"] == "pending"
    assert api.post(f"/posts/{answer.id}/flags", token, json={"reason": "spam"}).status_code == 409
    assert api.post(f"/posts/{answer.id}/flags", token,
                    json={"reason": "boring"}).status_code == 422
    app.config["REPUTATION_PRIVILEGES"] = dict(PRIVILEGE_PRESETS["mature"])
    refused = api.post(f"/posts/{answer.id}/flags", api.token_for(factories.user().email),
                       json={"reason": "spam"})
    assert refused.status_code == 403
    assert refused.json["detail"] == "Flagging posts unlocks at 15 reputation."


def test_a_grant_shows_at_once_on_cached_pages_showing_the_user(app, client):
    answerer = factories.user()
    thread = factories.thread()
    factories.answer(thread, answerer)
    url = f"/t/{thread.id}/{thread.slug}"
    assert "mark super-user" not in client.get(url).get_data(as_text=True)  # now cached
    super_users.set_super_user(factories.user("moderator"), answerer.id, True, "Trusted")
    assert '<span class="mark super-user">Super-user</span>' in client.get(url).get_data(
        as_text=True)


def test_the_flag_page_asks_the_policy(app, web):
    author = factories.user(username="writer")
    thread = factories.thread(author)
    assert web.get(f"/posts/{thread.question_post_id}/flag").status_code == 302  # sign in first
    web.login("writer")
    own = web.get(f"/posts/{thread.question_post_id}/flag")
    assert own.status_code == 403 and "cannot flag your own post" in own.get_data(as_text=True)
    assert web.get("/posts/999999/flag").status_code == 404
