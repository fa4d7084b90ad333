"""One visibility rule: deleted content is gone for members and visitors everywhere, shown to
staff under a banner, acted on by nobody until staff restore it (web button and API)."""
from community import services
from core.database import db
from tests import factories


def test_a_deleted_thread_is_gone_for_readers_banner_for_staff_and_restorable(web, api, app, client):
    asker = factories.user(username="asker")
    thread = factories.thread(asker, title="A thread that will be deleted")
    answer = factories.answer(thread)
    moderator = factories.user("moderator", username="mod")
    services.delete_post(moderator, thread.question_post_id)
    for url in (f"/t/{thread.id}/{thread.slug}", f"/api/v1/threads/{thread.id}"):
        assert client.get(url).status_code == 404
    assert "A thread that will be deleted" not in client.get("/threads").get_data(as_text=True)
    token = api.token_for(asker.email)
    assert api.post(f"/threads/{thread.id}/accept", token,
                    json={"post_id": answer.id}).status_code == 404
    db.session.rollback()
    assert db.session.get(type(asker), asker.id).reputation == 1  # no points were committed
    web.login("mod")
    page = web.get(f"/t/{thread.id}/{thread.slug}").get_data(as_text=True)
    assert "This thread is deleted" in page and "Restore" in page
    assert "Accept this answer" not in page
    assert web.post(f"/posts/{thread.question_post_id}/restore").status_code == 302
    assert client.get(f"/t/{thread.id}/{thread.slug}").status_code == 200


def test_staff_cannot_vote_on_deleted_posts_and_restore_through_the_api(api, app):
    thread = factories.thread()
    answer = factories.answer(thread)
    moderator = factories.user("moderator")
    services.delete_post(moderator, answer.id)
    token = api.token_for(moderator.email)
    assert api.post(f"/posts/{answer.id}/vote", token, json={"value": 1}).status_code == 403
    member = factories.user()
    assert api.post(f"/posts/{answer.id}/restore", api.token_for(member.email)).status_code in (403, 404)
    restored = api.post(f"/posts/{answer.id}/restore", token)
    assert restored.status_code == 200 and restored.json["is_deleted"] is False
    assert api.get(f"/threads/{thread.id}").json["answer_count"] == 1
    assert api.post(f"/posts/{answer.id}/restore", token).status_code == 403  # not deleted now
