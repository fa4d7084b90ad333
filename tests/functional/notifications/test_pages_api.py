"""The bell on every page and in /me, the /notifications page and API, mark read, watch forms and
API, settings; the signed-in page cache shows each reader their own count."""
from app.notifications import service
from core.database import db
from tests import factories
from tests.functional.notifications.conftest import bell, browser, deliver, unread


def _answered(asker, answers=1):
    thread = factories.thread(asker)
    for _ in range(answers):
        factories.answer(thread)
    deliver()
    return thread


def test_the_bell_shows_the_unread_count_on_pages_and_in_me(app, api):
    asker = factories.user()
    web = browser(app, asker)
    assert 'aria-label="Notifications, 0 unread"' in web.get("/").get_data(as_text=True)
    thread = _answered(asker)
    for path in ("/", "/threads", f"/t/{thread.id}/{thread.slug}", "/notifications"):
        page = web.get(path).get_data(as_text=True)
        assert 'aria-label="Notifications, 1 unread"' in page, path
    token = api.token_for(asker.email)
    assert api.get("/me", token).json["notification_count"] == 1


def test_a_kept_thread_page_shows_the_readers_current_count(app):
    asker, other = factories.user(), factories.user()
    thread = factories.thread(other)
    web = browser(app, asker)
    path = f"/t/{thread.id}/{thread.slug}"
    assert "Notifications, 0 unread" in web.get(path).get_data(as_text=True)
    assert "Notifications, 0 unread" in web.get(path).get_data(as_text=True)  # kept page
    _answered(asker)  # a notification elsewhere: the reader's row (and so the kept page) changed
    assert "Notifications, 1 unread" in web.get(path).get_data(as_text=True)


def test_mark_one_and_all_read_on_the_page(app):
    asker = factories.user()
    first, second = _answered(asker), _answered(asker)
    web = browser(app, asker)
    page = web.get("/notifications").get_data(as_text=True)
    assert "Today" in page and first.title in page and second.title in page
    one = bell(asker)[0]
    assert web.post("/notifications/read", {"id": str(one.id)}).status_code == 302
    assert unread(asker) == 1
    assert web.post("/notifications/read", {"all": "true"}).status_code == 302
    assert unread(asker) == 0
    assert web.client.post("/notifications/read", data={"all": "true"}).status_code == 400  # CSRF


def test_the_api_lists_pages_filters_and_marks_read_only_the_callers_own(app, api):
    asker, other = factories.user(), factories.user()
    for _ in range(3):
        _answered(asker)
    _answered(other)
    token = api.token_for(asker.email)
    listed = api.get("/notifications?limit=2", token).json
    assert len(listed["items"]) == 2 and listed["unread"] == 3 and listed["next_cursor"]
    rest = api.get(f"/notifications?limit=2&cursor={listed['next_cursor']}", token).json
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    item = listed["items"][0]
    assert item["kind"] == "answer" and item["url"].startswith("http://") and not item["read"]
    others = [n.id for n in bell(other)]
    assert api.post("/notifications/read", token, json={"ids": [item["id"], *others]}
                    ).status_code == 204
    assert unread(other) == 1  # another reader's id changed nothing
    assert len(api.get("/notifications?unread=true", token).json["items"]) == 2
    assert api.post("/notifications/read", token, json={"all": True}).status_code == 204
    assert api.get("/me", token).json["notification_count"] == 0
    assert api.post("/notifications/read", token, json={}).status_code == 422
    assert api.post("/notifications/read", token, json={"ids": ["x"]}).status_code == 422
    assert api.get("/notifications?cursor=nonsense", token).status_code == 400
    assert api.get("/notifications").status_code == 401


def test_notifications_page_queries_do_not_grow_with_rows(app, count_queries):
    asker = factories.user()
    _answered(asker)
    web = browser(app, asker)
    web.get("/notifications")
    db.session.rollback()  # each measured request starts as a real one does: nothing loaded
    with count_queries() as few:
        web.get("/notifications")
    for _ in range(15):
        _answered(asker)
    db.session.rollback()
    with count_queries() as many:
        assert web.get("/notifications").status_code == 200
    assert many.count == few.count


def test_watch_levels_through_the_api_and_the_pages(app, api):
    reader = factories.user()
    category = factories.category()
    thread = factories.thread(category_=category, tags=["exports"])
    token = api.token_for(reader.email)
    done = api.call("PUT", f"/threads/{thread.id}/watch", token, json={"level": "tracking"})
    assert done.status_code == 200 and done.json["level"] == "tracking"
    assert api.call("PUT", f"/categories/{category.slug}/watch", token,
                    json={"level": "watching"}).json["target_id"] == category.id
    assert api.call("PUT", "/tags/Exports/watch", token, json={"level": "muted"}).status_code == 200
    assert api.call("PUT", "/tags/nope/watch", token, json={"level": "muted"}).status_code == 404
    assert api.call("PUT", f"/threads/{thread.id}/watch", token,
                    json={"level": "loud"}).status_code == 422
    assert api.call("PUT", f"/threads/{thread.id}/watch", json={"level": "muted"}).status_code == 401

    web = browser(app, reader)
    page = web.get(f"/t/{thread.id}/{thread.slug}").get_data(as_text=True)
    assert '<option value="tracking" selected>' in page
    assert web.post(f"/t/{thread.id}/watch", {"level": "muted"}).status_code == 302
    page = web.get(f"/t/{thread.id}/{thread.slug}").get_data(as_text=True)
    assert '<option value="muted" selected>' in page  # the kept page was dropped by the change
    assert '<option value="watching" selected>' in web.get(f"/c/{category.slug}").get_data(
        as_text=True)
    assert web.post("/tags/exports/watch", {"level": "watching"}).status_code == 302
    assert service.watch_level(reader, "tag", "exports") == "watching"


def test_a_deleted_thread_cannot_be_watched_by_members(app, api):
    moderator, reader = factories.user("moderator"), factories.user()
    thread = factories.thread()
    from community import services
    services.delete_post(moderator, thread.question_post_id)
    token = api.token_for(reader.email)
    assert api.call("PUT", f"/threads/{thread.id}/watch", token,
                    json={"level": "watching"}).status_code in (403, 404)


def test_notification_settings_api_defaults_and_validation(app, api):
    reader = factories.user()
    token = api.token_for(reader.email)
    got = api.get("/me/notification-settings", token).json
    assert got["email"]["answer"] == "immediate" and got["email"]["accepted"] == "immediate"
    assert got["email"]["mention"] == "digest" and got["digest"] == "daily"
    changed = api.patch("/me/notification-settings", token,
                        json={"email": {"answer": "digest"}, "digest": "weekly"})
    assert changed.status_code == 200
    assert changed.json["email"]["answer"] == "digest" and changed.json["digest"] == "weekly"
    assert changed.json["email"]["accepted"] == "immediate"
    bad = api.patch("/me/notification-settings", token,
                    json={"email": {"answer": "loud", "nope": "off"}, "digest": "hourly"})
    assert bad.status_code == 422 and {"email", "digest"} <= set(bad.json["errors"])


def test_the_settings_page_saves_choices(app):
    reader = factories.user()
    web = browser(app, reader)
    assert "not confirmed yet" in web.get("/settings/notifications").get_data(as_text=True)
    saved = web.post("/settings/notifications", {"email_vote": "digest", "digest": "weekly"})
    assert saved.status_code == 302
    page = web.get("/settings/notifications").get_data(as_text=True)
    assert 'name="email_vote"' in page and '<option value="weekly" selected>' in page
    assert web.post("/settings/notifications", {"email_vote": "loud"}).status_code == 422
