"""What a post passes through: held first posts (invisible to all but author and staff until
approved, then shown as if just posted), watched words (block, hold, replace; whole words, any
case, titles, bodies and tags), new-member limits (422, 429), the settings page and category
administration."""
from sqlalchemy import select

from community.models import Post, ReviewItem
from core.database import db
from tests import factories


def _ask(api, token, title="A question held for a moderator", body="Body of the question",
         tags=None, category=None):
    category = category or factories.category()
    return api.post("/threads", token, json={"title": title, "body": body,
                                             "category": category.slug, "tags": tags or []})


def test_first_posts_wait_until_approved(api, app, client, web):
    app.config["HOLD_FIRST_POSTS"] = 1
    author = factories.user(username="newbie")
    token = api.token_for(author.email)
    response = _ask(api, token)
    assert response.status_code == 201
    thread_id = response.json["id"]
    assert client.get(f"/api/v1/threads/{thread_id}").status_code == 404
    other = api.token_for(factories.user().email)
    assert api.get(f"/threads/{thread_id}", other).status_code == 404
    assert api.get(f"/threads/{thread_id}", token).status_code == 200
    assert "A question held" not in client.get("/threads").get_data(as_text=True)
    assert api.get("/threads", other).json["items"] == []
    mod = api.token_for(factories.user("moderator").email)
    assert api.get(f"/threads/{thread_id}", mod).status_code == 200
    [item] = api.get("/review", mod).json["items"]
    assert item["kind"] == "held" and item["thread_id"] == thread_id
    before = db.session.scalar(select(Post.created_at).where(Post.thread_id == thread_id))
    assert api.post(f"/review/{item['id']}", mod, json={"action": "approve"}).status_code == 200
    assert client.get(f"/api/v1/threads/{thread_id}").status_code == 200
    db.session.expire_all()
    assert db.session.scalar(select(Post.created_at).where(Post.thread_id == thread_id)) >= before
    # Approved once: the next post is not held.
    second = _ask(api, token, title="A second question, not held")
    assert client.get(f"/api/v1/threads/{second.json['id']}").status_code == 200


def test_a_held_answer_is_hidden_and_not_counted(api, app, client):
    thread = factories.thread()
    app.config["HOLD_FIRST_POSTS"] = 2
    author = api.token_for(factories.user().email)
    answer = api.post(f"/threads/{thread.id}/answers", author, json={"body": "A held answer"})
    assert answer.status_code == 201
    public = client.get(f"/api/v1/threads/{thread.id}").json
    assert public["answers"] == [] and public["answer_count"] == 0
    assert client.get(f"/api/v1/posts/{answer.json['id']}").status_code == 404
    assert api.get(f"/posts/{answer.json['id']}", author).status_code == 200
    staff = factories.user("moderator")
    assert [a["id"] for a in api.get(f"/threads/{thread.id}", api.token_for(staff.email))
            .json["answers"]] == [answer.json["id"]]


def _watch(api, admin, word, action, replacement=None):
    body = {"word": word, "action": action}
    if replacement:
        body["replacement"] = replacement
    return api.post("/watched-words", admin, json=body)


def test_watched_words_block_hold_and_replace(api, client):
    admin = api.token_for(factories.admin().email)
    member = api.token_for(factories.user().email)
    assert api.post("/watched-words", member, json={"word": "x", "action": "block"}).status_code \
        == 403
    assert _watch(api, admin, "Casino", "block").status_code == 201
    assert _watch(api, admin, "casino", "hold").status_code == 409
    assert _watch(api, admin, "two words", "block").status_code == 422
    _watch(api, admin, "scam", "hold")
    _watch(api, admin, "darn", "replace", "gosh")
    refused = _ask(api, member, body="Visit the CASINO today please")
    assert refused.status_code == 422 and "CASINO" in refused.json["errors"]["body"][0]
    assert _ask(api, member, tags=["casino"]).status_code == 422
    assert _ask(api, member, body="Casinos are not the word itself").status_code == 201
    held = _ask(api, member, title="Is this a Scam or not really")
    assert held.status_code == 201
    assert client.get(f"/api/v1/threads/{held.json['id']}").status_code == 404
    kinds = db.session.scalars(select(ReviewItem.kind)).all()
    assert kinds == ["watched"]
    replaced = _ask(api, member, body="Darn, this darn thing broke")
    assert "gosh, this gosh thing" in replaced.json["body_html"]
    words = api.get("/watched-words", admin).json["items"]
    assert [w["word"] for w in words] == ["casino", "darn", "scam"]
    assert api.delete(f"/watched-words/{words[0]['id']}", admin).status_code == 204
    assert _ask(api, member, body="The casino is fine now").status_code == 201


def test_new_member_limits(api, app):
    app.config.update(NEW_MEMBER_REPUTATION=10, NEW_MEMBER_MAX_LINKS=1,
                      NEW_MEMBER_POSTS_PER_DAY=2)
    member = api.token_for(factories.user().email)
    links = _ask(api, member, body="See https://a.example and https://b.example")
    assert links.status_code == 422 and "link" in links.json["errors"]["body"][0]
    assert _ask(api, member, body="See https://a.example only").status_code == 201
    assert _ask(api, member).status_code == 201
    third = _ask(api, member)
    assert third.status_code == 429 and int(third.headers["Retry-After"]) > 0
    veteran = factories.reputable(factories.user(), 10)
    assert _ask(api, api.token_for(veteran.email),
                body="See https://a.example and https://b.example").status_code == 201


def test_settings_are_kept_in_the_database(api, web, client):
    admin = factories.admin()
    token = api.token_for(admin.email)
    assert api.get("/moderation-settings", api.token_for(factories.user().email)).status_code \
        == 403
    response = api.patch("/moderation-settings", token, json={"HOLD_FIRST_POSTS": 1})
    assert response.status_code == 200 and response.json["HOLD_FIRST_POSTS"] == 1
    assert api.patch("/moderation-settings", token, json={"FLAG_HIDE_THRESHOLD": 0}) \
        .status_code == 422
    held = _ask(api, api.token_for(factories.user().email))
    assert client.get(f"/api/v1/threads/{held.json['id']}").status_code == 404
    web.login(admin.username)
    assert web.post("/staff/settings", {"HOLD_FIRST_POSTS": "0"}).status_code == 302
    assert 'value="0"' in web.get("/staff/settings").get_data(as_text=True)


def test_categories_are_renamed_reordered_and_retired(api, web):
    admin = api.token_for(factories.admin().email)
    old, new = factories.category(slug="old-one"), factories.category(slug="new-one")
    thread = factories.thread(category_=old)
    member = api.token_for(factories.user().email)
    assert api.patch("/categories/old-one", member, json={"name": "No"}).status_code == 403
    response = api.patch("/categories/old-one", admin, json={"name": "Renamed", "position": -1})
    assert response.status_code == 200 and response.json["name"] == "Renamed"
    assert api.get("/categories").json["items"][0]["slug"] == "old-one"
    assert api.delete("/categories/old-one", admin).status_code == 422
    assert api.delete("/categories/old-one?move_to=old-one", admin).status_code == 422
    assert api.delete("/categories/old-one?move_to=new-one", admin).status_code == 204
    assert api.get(f"/threads/{thread.id}").json["category"] == "new-one"
    counts = {c["slug"]: c["thread_count"] for c in api.get("/categories").json["items"]}
    assert counts == {"new-one": 1}
    assert api.get("/categories/old-one").status_code == 404
    assert new.id


def test_admin_pages_render(web):
    boss = factories.admin()
    factories.category()
    web.login(boss.username)
    for url in ("/staff/watched-words", "/staff/categories", "/staff/settings"):
        assert web.get(url).status_code == 200, url
    assert web.post("/staff/watched-words", {"word": "spamword", "action": "block"}) \
        .status_code == 302
    assert "spamword" in web.get("/staff/watched-words").get_data(as_text=True)


def test_members_are_refused_admin_pages(web):
    member = factories.user()
    web.login(member.username)
    for url in ("/staff/watched-words", "/staff/categories", "/staff/settings", "/staff/users"):
        assert web.get(url).status_code == 403, url


def test_the_reputation_preset_is_chosen_on_the_settings_page(api):
    admin = api.token_for(factories.admin().email)
    voter = factories.reputable(factories.user(), 5)  # enough for "small" (1), not "mature" (15)
    answer = factories.answer(factories.thread())
    token = api.token_for(voter.email)
    response = api.patch("/moderation-settings", admin, json={"REPUTATION_PRESET": "mature"})
    assert response.status_code == 200 and response.json["REPUTATION_PRESET"] == "mature"
    assert api.post(f"/posts/{answer.id}/vote", token, json={"value": 1}).status_code == 403
    api.patch("/moderation-settings", admin, json={"REPUTATION_PRESET": "small"})
    assert api.post(f"/posts/{answer.id}/vote", token, json={"value": 1}).status_code == 200
    assert api.patch("/moderation-settings", admin,
                     json={"REPUTATION_PRESET": "huge"}).status_code == 422
