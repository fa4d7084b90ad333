"""The review queue through the API: one item per post, auto-hide by weighted flags, the
lifecycle (approve, hide, delete, restore, dismiss), handled reasons not reopening, helpful
flags earning the badge's count, and members refused."""
from sqlalchemy import select

from community.models import AuditEntry, Flag, ReviewItem
from core.database import db
from core.events import DomainEvent
from tests import factories


def _flag(api, token, post_id, reason="spam"):
    return api.post(f"/posts/{post_id}/flags", token, json={"reason": reason})


def _queue(api, token, **params):
    response = api.get("/review", token, query_string=params)
    assert response.status_code == 200, response.json
    return response.json


def test_flags_make_one_item_and_a_moderator_resolves_it(api, app, client):
    app.config["FLAG_HIDE_THRESHOLD"] = 10
    thread = factories.thread(title="A question about the billing page")
    spam = factories.answer(thread, body="Buy cheap things at my shop now")
    flaggers = [factories.user() for _ in range(3)]
    moderator = factories.user("moderator")
    mod = api.token_for(moderator.email)
    for flagger, reason in zip(flaggers, ("spam", "spam", "offensive")):
        assert _flag(api, api.token_for(flagger.email), spam.id, reason).status_code == 201
    listing = _queue(api, mod)
    assert listing["pending"] == 1
    [item] = listing["items"]
    assert item["post_id"] == spam.id and item["kind"] == "flagged"
    assert item["reasons"] == {"spam": 2, "offensive": 1}
    response = api.post(f"/review/{item['id']}", mod, json={"action": "delete", "note": "spam"})
    assert response.status_code == 200 and response.json["outcome"] == "delete"
    assert _queue(api, mod)["items"] == []
    assert client.get(f"/api/v1/posts/{spam.id}").status_code == 404
    statuses = db.session.scalars(select(Flag.status).where(Flag.post_id == spam.id)).all()
    assert statuses == ["helpful"] * 3
    event = db.session.scalar(select(DomainEvent).where(DomainEvent.type == "flag.resolved"))
    assert sorted(event.data["helpful"]) == sorted(f.id for f in flaggers)
    assert db.session.scalar(select(AuditEntry.action).where(
        AuditEntry.target_id == spam.id, AuditEntry.target_type == "post")) == "review.delete"
    mine = api.get("/me/flags", api.token_for(flaggers[0].email)).json["items"]
    assert [(f["post_id"], f["status"]) for f in mine] == [(spam.id, "helpful")]


def test_handled_reasons_do_not_reopen_but_new_ones_do(api, app):
    app.config["FLAG_HIDE_THRESHOLD"] = 10
    thread = factories.thread()
    answer = factories.answer(thread)
    mod = api.token_for(factories.user("moderator").email)
    _flag(api, api.token_for(factories.user().email), answer.id, "off_topic")
    [item] = _queue(api, mod)["items"]
    assert api.post(f"/review/{item['id']}", mod, json={"action": "dismiss"}).status_code == 200
    assert db.session.scalar(select(Flag.status).where(Flag.post_id == answer.id)) == "declined"
    _flag(api, api.token_for(factories.user().email), answer.id, "off_topic")
    assert _queue(api, mod)["items"] == []
    _flag(api, api.token_for(factories.user().email), answer.id, "offensive")
    [again] = _queue(api, mod)["items"]
    assert again["id"] == item["id"] and again["status"] == "pending"


def test_weighted_flags_hide_a_post_until_a_moderator_restores_it(api, app, client):
    app.config["FLAG_HIDE_THRESHOLD"] = 2
    thread = factories.thread(title="A thread whose question gets flagged")
    mod = api.token_for(factories.user("moderator").email)
    trusted = factories.member_with("close")  # counts twice
    assert _flag(api, api.token_for(trusted.email), thread.question_post_id).status_code == 201
    assert client.get(f"/api/v1/threads/{thread.id}").status_code == 404
    assert api.get(f"/threads/{thread.id}", api.token_for(
        db.session.get(type(trusted), thread.author_id).email)).status_code == 200  # the author
    [item] = _queue(api, mod)["items"]
    assert item["kind"] == "auto_hidden"
    assert api.post(f"/review/{item['id']}", mod, json={"action": "dismiss"}).status_code == 422
    assert api.post(f"/review/{item['id']}", mod, json={"action": "restore"}).status_code == 200
    assert client.get(f"/api/v1/threads/{thread.id}").status_code == 200
    assert db.session.scalar(select(Flag.status)) == "declined"


def test_a_single_member_flag_does_not_hide(api, app, client):
    app.config["FLAG_HIDE_THRESHOLD"] = 2
    thread = factories.thread()
    _flag(api, api.token_for(factories.user().email), thread.question_post_id)
    assert client.get(f"/api/v1/threads/{thread.id}").status_code == 200


def test_members_never_see_the_queue(api, client):
    thread = factories.thread()
    answer = factories.answer(thread)
    member = api.token_for(factories.user().email)
    _flag(api, member, answer.id)
    assert api.get("/review", member).status_code == 403
    item_id = db.session.scalar(select(ReviewItem.id))
    assert api.post(f"/review/{item_id}", member, json={"action": "dismiss"}).status_code == 403
    assert client.get("/api/v1/review").status_code == 401
    support = api.token_for(factories.user("support").email)
    assert api.get("/review", support).status_code == 403


def test_the_review_page_lists_items_and_resolves_without_javascript(web, app):
    app.config["FLAG_HIDE_THRESHOLD"] = 10
    thread = factories.thread(title="The page shows this flagged thread")
    from community.services import moderation
    moderation.flag_post(factories.user(), thread.question_post_id, "spam")
    factories.user("moderator", username="modpage")
    web.login("modpage")
    page = web.get("/review").get_data(as_text=True)
    assert "The page shows this flagged thread" in page and "spam" in page
    assert "Review (1)" in web.get("/").get_data(as_text=True)
    item_id = db.session.scalar(select(ReviewItem.id))
    response = web.post(f"/review/{item_id}", {"action": "approve", "note": "fine"})
    assert response.status_code == 302
    assert "Nothing to review" in web.get("/review").get_data(as_text=True)
    assert "fine" in web.get("/review?status=resolved").get_data(as_text=True)


def test_member_gets_403_on_review_page_and_sees_their_flags(web):
    from community.services import moderation
    member = factories.user(username="plainmember")
    answer = factories.answer(factories.thread())
    moderation.flag_post(member, answer.id, "spam")
    web.login("plainmember")
    assert web.get("/review").status_code == 403
    assert "waiting for a moderator" in web.get("/me/flags").get_data(as_text=True)


def test_helpful_flags_earn_the_helpful_flagger_badge(app):
    from community.services import moderation, review
    from core import consumers
    from reputation.badges import badges_of
    app.config["FLAG_HIDE_THRESHOLD"] = 100
    flagger, moderator = factories.user(), factories.user("moderator")
    thread = factories.thread()
    for _ in range(10):
        post = factories.answer(thread)
        moderation.flag_post(flagger, post.id, "spam")
        item_id = db.session.scalar(select(ReviewItem.id).where(ReviewItem.post_id == post.id))
        review.resolve(moderator, item_id, "hide", "spam")
    consumers.run_until_caught_up("badges")
    assert "helpful-flagger" in {b.slug for b, _ in badges_of(flagger.id)}


def test_the_review_page_query_count_does_not_grow_with_items(web, app, count_queries):
    from community.services import moderation
    app.config["FLAG_HIDE_THRESHOLD"] = 100
    factories.user("moderator", username="countmod")
    thread = factories.thread()
    web.login("countmod")
    counts = []
    for total in (2, 12):
        while _items() < total:
            moderation.flag_post(factories.user(), factories.answer(thread).id, "spam")
        web.get("/review")
        with count_queries() as counter:
            assert web.get("/review").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


def _items() -> int:
    return len(db.session.scalars(select(ReviewItem.id)).all())
