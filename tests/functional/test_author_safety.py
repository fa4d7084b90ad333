"""Author safety: Delete asks first on a page of its own (no JavaScript), the author may undelete
their own post for UNDELETE_HOURS, and a question others answered is not the asker's alone to
delete (staff still can)."""
import re
from datetime import timedelta

from sqlalchemy import update

from core.database import db
from core.time import utcnow
from community import services
from community.models import Post
from tests import factories
from tests.functional.test_account_security import sign_in



def _post(post_id: int) -> Post:
    db.session.expire_all()
    return db.session.get(Post, post_id)


def _thread_url(thread) -> str:
    return f"/t/{thread.id}/{thread.slug}"


def test_delete_on_the_thread_page_is_a_link_to_a_confirm_page(app):
    author = factories.user(username="careful")
    thread = factories.thread()
    answer = factories.answer(thread, author)
    web = sign_in(app, "careful")
    page = web.get(_thread_url(thread)).get_data(as_text=True)
    assert f'href="/posts/{answer.id}/delete"' in page
    assert f'action="/posts/{answer.id}/delete"' not in page  # no one-tap delete form

    confirm = web.get(f"/posts/{answer.id}/delete")
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "Delete this answer?" in html
    assert 'name="confirmed" value="yes"' in html and "Cancel" in html
    assert "undo this for 24 hours" in html
    assert not _post(answer.id).is_deleted  # looking at the page deletes nothing

    # A bare POST (an old form, a crafted link) only shows the confirm page again.
    assert web.post(f"/posts/{answer.id}/delete").status_code == 200
    assert not _post(answer.id).is_deleted
    done = web.post(f"/posts/{answer.id}/delete", {"confirmed": "yes"})
    assert done.status_code == 302 and done.headers["Location"].endswith(
        f"/posts/{answer.id}/deleted")
    assert _post(answer.id).is_deleted


def test_the_confirm_page_is_refused_to_others_and_needs_csrf(app):
    factories.user(username="stranger")
    thread = factories.thread()
    answer = factories.answer(thread)
    web = sign_in(app, "stranger")
    assert web.get(f"/posts/{answer.id}/delete").status_code == 403
    assert web.post(f"/posts/{answer.id}/delete", {"confirmed": "yes"}).status_code == 403
    assert web.client.post(f"/posts/{answer.id}/delete",
                           data={"confirmed": "yes"}).status_code == 400  # no CSRF token
    assert app.test_client().get(f"/posts/{answer.id}/delete").status_code == 302  # sign in
    assert not _post(answer.id).is_deleted


def test_the_author_undeletes_within_the_window_and_not_after(app):
    author = factories.user(username="undoer")
    thread = factories.thread()
    answer = factories.answer(thread, author)
    web = sign_in(app, "undoer")
    landing = web.get(web.post(f"/posts/{answer.id}/delete", {"confirmed": "yes"})
                      .headers["Location"])
    html = landing.get_data(as_text=True)
    assert landing.status_code == 200 and "Undelete" in html and "UTC" in html
    assert web.post(f"/posts/{answer.id}/restore").status_code == 302
    assert not _post(answer.id).is_deleted
    assert f'id="post-{answer.id}"' in web.get(_thread_url(thread)).get_data(as_text=True)

    web.post(f"/posts/{answer.id}/delete", {"confirmed": "yes"})
    db.session.execute(update(Post).where(Post.id == answer.id).values(
        deleted_at=utcnow() - timedelta(hours=25)))
    db.session.commit()
    assert web.get(f"/posts/{answer.id}/deleted").status_code == 404
    late = web.post(f"/posts/{answer.id}/restore")
    assert late.status_code == 403 and "time to undo" in late.get_data(as_text=True)
    assert _post(answer.id).is_deleted


def test_undelete_hours_come_from_config_and_work_through_the_api(app, api, monkeypatch):
    monkeypatch.setitem(app.config, "UNDELETE_HOURS", 1)
    author = factories.user()
    thread = factories.thread(author)
    token = api.token_for(author.email)
    assert api.delete(f"/posts/{thread.question_post_id}", token).status_code == 204
    assert api.get(f"/threads/{thread.id}").status_code == 404
    restored = api.post(f"/posts/{thread.question_post_id}/restore", token)
    assert restored.status_code == 200 and restored.json["is_deleted"] is False
    assert api.get(f"/threads/{thread.id}").status_code == 200

    api.delete(f"/posts/{thread.question_post_id}", token)
    db.session.execute(update(Post).where(Post.id == thread.question_post_id).values(
        deleted_at=utcnow() - timedelta(minutes=61)))
    db.session.commit()
    assert api.post(f"/posts/{thread.question_post_id}/restore", token).status_code == 403


def test_nobody_else_undeletes_and_the_author_never_undoes_a_moderators_deletion(app, api):
    author, other = factories.user(), factories.user()
    thread = factories.thread()
    mine, moderated = factories.answer(thread, author), factories.answer(thread, author)
    services.delete_post(author, mine.id)
    services.delete_post(factories.user("moderator"), moderated.id)
    their_token, my_token = api.token_for(other.email), api.token_for(author.email)
    assert api.post(f"/posts/{mine.id}/restore", their_token).status_code == 404
    refused = api.post(f"/posts/{moderated.id}/restore", my_token)
    assert refused.status_code == 404  # a moderator's deletion: gone for its author too
    assert _post(moderated.id).is_deleted
    assert api.post(f"/posts/{mine.id}/restore", my_token).status_code == 200


def test_a_question_others_answered_is_not_the_askers_to_delete(app, api):
    asker = factories.user(username="asker2")
    thread = factories.thread(asker)
    token = api.token_for(asker.email)
    web = sign_in(app, "asker2")
    assert web.get(f"/posts/{thread.question_post_id}/delete").status_code == 200
    factories.answer(thread)
    page = web.get(_thread_url(thread)).get_data(as_text=True)
    assert f'href="/posts/{thread.question_post_id}/delete"' not in page
    assert web.get(f"/posts/{thread.question_post_id}/delete").status_code == 403
    refused = api.delete(f"/posts/{thread.question_post_id}", token)
    assert refused.status_code == 403 and "only staff may delete it" in refused.json["detail"]
    assert not _post(thread.question_post_id).is_deleted

    moderator = factories.user("moderator")
    assert api.delete(f"/posts/{thread.question_post_id}",
                      api.token_for(moderator.email)).status_code == 204


def test_an_asker_who_answered_themselves_deletes_that_answer_first(app, api):
    asker = factories.user()
    thread = factories.thread(asker)
    own = factories.answer(thread, asker)
    token = api.token_for(asker.email)
    assert api.delete(f"/posts/{thread.question_post_id}", token).status_code == 403
    assert api.delete(f"/posts/{own.id}", token).status_code == 204
    assert api.delete(f"/posts/{thread.question_post_id}", token).status_code == 204


def test_a_question_whose_other_answers_were_deleted_is_the_askers_again(app, api):
    asker = factories.user()
    thread = factories.thread(asker)
    answer = factories.answer(thread)
    services.delete_post(factories.user("moderator"), answer.id)
    assert api.delete(f"/posts/{thread.question_post_id}",
                      api.token_for(asker.email)).status_code == 204


def test_new_controls_are_tap_sized(app):
    css = (app.static_folder and open(f"{app.static_folder}/app.css").read()) or ""
    rule = re.search(r"\.post-action\{[^}]*\}", css).group()
    assert "min-height:44px" in rule and "min-width:44px" in rule
    assert re.search(r"\.confirm \.btn,\.confirm button\{min-height:44px;min-width:44px\}", css)
