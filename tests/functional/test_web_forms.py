"""Web forms as new users meet them: double taps and replays post once, `next` survives signing
in and registering, a rate-limited form comes back with its text, edits say when nothing changed."""
import re
import threading
from datetime import timedelta

from bs4 import BeautifulSoup
from sqlalchemy import func, select

from app.web import submissions
from core.database import db
from core.once import OnceKey
from core.time import utcnow
from community.models import Category, Post, Revision, Thread, User
from tests import factories
from tests.conftest import WebClient


def _form_token(html: str, action: str | None = None) -> str:
    soup = BeautifulSoup(html, "html.parser")
    form = soup.find("form", action=action) if action else soup.find("form", class_="stack")
    return form.find("input", attrs={"name": "submission_token"})["value"]


def _count(model, *where) -> int:
    db.session.rollback()  # see what the requests committed
    return db.session.scalar(select(func.count(model.id)).where(*where))


def _asker(web, name="asker"):
    category = factories.category("Billing")
    factories.user(username=name)
    web.login(name)
    return category


def _question(category, token, title="Why was I charged twice?"):
    return {"title": title, "category": category.slug, "body": "Two charges on one invoice.",
            "tags": "billing", "submission_token": token}


# --- one-time submission tokens -------------------------------------------------------------

def test_every_create_form_carries_a_fresh_token(web, app):
    factories.user("admin", username="boss")
    thread = factories.thread()
    web.login("boss")
    pages = ["/ask", "/categories/new", f"/t/{thread.id}/{thread.slug}"]
    tokens = [_form_token(web.get(url).get_data(as_text=True), action) for url, action in
              zip(pages, ["/ask", "/categories/new", f"/t/{thread.id}/answer"])]
    tokens.append(_form_token(web.get("/ask").get_data(as_text=True)))
    assert len(set(tokens)) == 4 and all(len(t) >= 16 for t in tokens)


def test_question_sent_twice_is_posted_once(web, app):
    category = _asker(web)
    token = _form_token(web.get("/ask").get_data(as_text=True))
    first = web.post("/ask", _question(category, token))
    again = web.post("/ask", _question(category, token))  # double tap / Back and resubmit
    assert first.status_code == again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"]
    assert _count(Thread) == 1
    page = web.get(again.headers["Location"]).get_data(as_text=True)
    assert "You already posted this question" in page


def test_answer_sent_twice_is_posted_once(web, app):
    thread = factories.thread()
    factories.user(username="helper")
    web.login("helper")
    html = web.get(f"/t/{thread.id}/{thread.slug}").get_data(as_text=True)
    form = {"body": "It is a pre-authorisation; it drops off.",
            "submission_token": _form_token(html, f"/t/{thread.id}/answer")}
    first = web.post(f"/t/{thread.id}/answer", form)
    again = web.post(f"/t/{thread.id}/answer", form)
    assert first.status_code == again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"]
    assert "#post-" in again.headers["Location"]
    assert _count(Post, Post.kind == "answer") == 1


def test_category_sent_twice_is_created_once(web, app):
    factories.user("admin", username="boss")
    web.login("boss")
    token = _form_token(web.get("/categories/new").get_data(as_text=True))
    form = {"name": "Mobile App", "description": "Phones.", "submission_token": token}
    first, again = web.post("/categories/new", form), web.post("/categories/new", form)
    assert first.headers["Location"] == again.headers["Location"] == "/c/mobile-app"
    assert again.status_code == 302  # not the 409 "slug is taken" of a second create
    assert _count(Category) == 1


def test_invalid_form_releases_its_token_so_the_fixed_form_posts(web, app):
    category = _asker(web)
    token = _form_token(web.get("/ask").get_data(as_text=True))
    bad = web.post("/ask", {**_question(category, token), "title": "short"})
    assert bad.status_code == 422
    assert _form_token(bad.get_data(as_text=True)) == token  # the re-rendered form keeps it
    fixed = web.post("/ask", _question(category, token))
    assert fixed.status_code == 302 and _count(Thread) == 1
    assert web.post("/ask", _question(category, token)).headers["Location"] == \
        fixed.headers["Location"]
    assert _count(Thread) == 1


def test_tokens_belong_to_their_user(web, app, client):
    category = _asker(web)
    token = "shared-token-0123456789abcdef"
    web.post("/ask", _question(category, token))
    web.post("/logout")
    factories.user(username="other")
    web.login("other")
    response = web.post("/ask", _question(category, token, title="Another person's question"))
    assert response.status_code == 302 and _count(Thread) == 2


def test_a_token_older_than_a_day_no_longer_counts(web, app):
    category = _asker(web)
    token = "yesterdays-token-0123456789"
    first = web.post("/ask", _question(category, token))
    db.session.execute(db.update(OnceKey).values(created_at=utcnow() - timedelta(hours=25)))
    db.session.commit()
    second = web.post("/ask", _question(category, token))
    assert second.headers["Location"] != first.headers["Location"] and _count(Thread) == 2
    assert _count(OnceKey) == 1  # the expired claim was cleared, not kept forever


def test_a_form_token_and_an_api_key_of_the_same_value_are_separate(web, app, api):
    category = _asker(web)
    token = "same-value-token-0123456789"
    assert web.post("/ask", _question(category, token)).status_code == 302
    bearer = api.token_for(db.session.scalar(select(User.email).where(User.username == "asker")))
    response = api.post("/threads", bearer, headers={"Idempotency-Key": token}, json={
        "title": "Why was I charged twice?", "body": "Two charges on one invoice.",
        "category": category.slug, "tags": ["billing"]})
    assert response.status_code == 201 and "Idempotent-Replayed" not in response.headers
    assert _count(Thread) == 2


def _claim_without_result(username, token, age=timedelta(0)):
    user_id = db.session.scalar(select(User.id).where(User.username == username))
    db.session.add(OnceKey(scope="form", caller=f"user:{user_id}", key=token,
                           created_at=utcnow() - age))
    db.session.commit()


def test_a_repeat_while_the_first_is_unfinished_keeps_the_form(web, app, monkeypatch):
    monkeypatch.setattr(submissions, "WAIT_SECONDS", 0.1)
    category = _asker(web)
    token = "still-running-token-0123456789"
    _claim_without_result("asker", token)  # as if the first tap were still being processed
    response = web.post("/ask", _question(category, token))
    assert response.status_code == 409 and _count(Thread) == 0
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert "still being processed" in soup.find(role="alert").get_text()
    assert soup.find("textarea", id="body").get_text() == "Two charges on one invoice."
    assert soup.find("input", attrs={"name": "submission_token"})["value"] == token


def test_a_claim_left_by_a_request_that_died_is_retried_later(web, app):
    category = _asker(web)
    token = "abandoned-token-0123456789"
    _claim_without_result("asker", token, age=timedelta(minutes=11))
    response = web.post("/ask", _question(category, token))
    assert response.status_code == 302 and _count(Thread) == 1


def test_malformed_token_is_a_400_and_creates_nothing(web, app):
    category = _asker(web)
    response = web.post("/ask", _question(category, "<script>"))
    assert response.status_code == 400 and _count(Thread) == 0


def test_concurrent_double_tap_makes_one_question(web, app):
    category = _asker(web)
    cookie = web.client.get_cookie("session")
    csrf = web.token()
    clients = []
    for _ in range(2):
        other = app.test_client()
        other.set_cookie("session", cookie.value, domain=cookie.domain)
        clients.append(other)
    for attempt in range(3):
        form = {**_question(category, f"concurrent-token-{attempt:04d}-abcdef",
                            title=f"Charged twice, attempt {attempt}"), "csrf_token": csrf}
        barrier, results = threading.Barrier(2), []

        def tap(c):
            barrier.wait()
            results.append(c.post("/ask", data=form))

        taps = [threading.Thread(target=tap, args=(c,)) for c in clients]
        [t.start() for t in taps]
        [t.join() for t in taps]
        assert [r.status_code for r in results] == [302, 302]
        assert results[0].headers["Location"] == results[1].headers["Location"]
        assert _count(Thread) == attempt + 1


# --- next through sign-in and registration --------------------------------------------------

def _href(html: str, text: str) -> str:
    soup = BeautifulSoup(html, "html.parser")
    return soup.find("main").find("a", string=re.compile(text))["href"]


def test_registering_from_a_thread_comes_back_to_it(client, app):
    thread = factories.thread()
    thread_url = f"/t/{thread.id}/{thread.slug}"
    register_url = _href(client.get(thread_url).get_data(as_text=True), "register")
    page = client.get(register_url).get_data(as_text=True)
    web = WebClient(client)
    web._token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    action = BeautifulSoup(page, "html.parser").find("main").find("form")["action"]
    response = web.post(action, {"username": "newcomer", "email": "new@example.com",
                                 "password": "long-enough-pw"})
    assert response.status_code == 302 and response.headers["Location"] == thread_url
    assert 'name="submission_token"' in client.get(thread_url).get_data(as_text=True)


def test_sign_in_and_register_links_carry_next_both_ways(client, app):
    thread = factories.thread()
    thread_url = f"/t/{thread.id}/{thread.slug}"
    login_url = _href(client.get(thread_url).get_data(as_text=True), "Sign in")
    register_url = _href(client.get(login_url).get_data(as_text=True), "Create an account")
    back_to_login = _href(client.get(register_url).get_data(as_text=True), "Sign in")
    factories.user(username="returning")
    page = client.get(back_to_login).get_data(as_text=True)
    soup = BeautifulSoup(page, "html.parser").find("main").find("form")
    data = {i["name"]: i.get("value", "") for i in soup.find_all("input") if i.get("name")}
    data.update(login="returning", password="password123")
    response = client.post(soup["action"], data=data)
    assert response.status_code == 302 and response.headers["Location"] == thread_url


def test_header_register_link_keeps_the_page(client, app):
    thread = factories.thread()
    header = BeautifulSoup(client.get(f"/t/{thread.id}/{thread.slug}").get_data(as_text=True),
                           "html.parser").find("header")
    assert f"next=/t/{thread.id}/{thread.slug}" in header.find("a", string="Register")["href"]


def test_registering_with_an_unsafe_next_lands_at_home(web, app):
    response = web.post("/register?next=https://evil.example/", {
        "username": "careful", "email": "careful@example.com", "password": "long-enough-pw"})
    assert response.status_code == 302 and response.headers["Location"] == "/"


# --- rate limits keep the form --------------------------------------------------------------

def test_rate_limited_question_comes_back_with_its_text(web, app):
    category = _asker(web)
    for _ in range(20):  # the limit is 20 a minute; invalid posts count too
        assert web.post("/ask", {"title": "x", "category": category.slug}).status_code == 422
    token = "rate-limited-token-0123456789"
    response = web.post("/ask", {"title": "My printer eats invoices", "category": category.slug,
                                 "body": "Every third page is blank.", "tags": "printing, pdf",
                                 "submission_token": token})
    assert response.status_code == 429 and int(response.headers["Retry-After"]) >= 0
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    alert = soup.find(role="alert").get_text()
    assert re.search(r"Too many posts.*try again in \d+ seconds", alert)
    assert soup.find("input", id="title")["value"] == "My printer eats invoices"
    assert soup.find("textarea", id="body").get_text() == "Every third page is blank."
    assert soup.find("input", id="tags")["value"] == "printing, pdf"
    assert soup.find("select", id="category").find("option", selected=True)["value"] == category.slug
    assert soup.find("input", attrs={"name": "submission_token"})["value"] == token
    assert soup.find("input", attrs={"name": "csrf_token"}) is not None
    assert _count(Thread) == 0


def test_rate_limited_answer_comes_back_with_its_text(web, app):
    thread = factories.thread()
    factories.user(username="helper")
    web.login("helper")
    for _ in range(30):
        assert web.post(f"/t/{thread.id}/answer", {"body": "short"}).status_code == 422
    response = web.post(f"/t/{thread.id}/answer", {"body": "Restart the sync from Settings."})
    assert response.status_code == 429 and "Retry-After" in response.headers
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert "Too many posts" in soup.find(role="alert").get_text()
    assert soup.find("textarea", id="body").get_text() == "Restart the sync from Settings."
    assert _count(Post, Post.kind == "answer") == 0


# --- edits ----------------------------------------------------------------------------------

def test_edit_that_changes_nothing_writes_no_revision(web, app):
    user = factories.user(username="writer")
    thread = factories.thread(user, title="Unchanged title here", tags=["keep"])
    web.login("writer")
    form = {"title": "Unchanged title here", "body": "A question body long enough.",
            "tags": "keep", "category": thread_category_slug(thread), "reason": "no-op"}
    response = web.post(f"/posts/{thread.question_post_id}/edit", form, follow_redirects=True)
    assert "Nothing changed" in response.get_data(as_text=True)
    assert _count(Revision) == 1
    assert db.session.get(Thread, thread.id).version == thread.version


def test_edit_reason_is_kept_and_checked(web, app):
    user = factories.user(username="writer")
    thread = factories.thread(user)
    answer = factories.answer(thread, user, body="First answer text.")
    web.login("writer")
    too_long = web.post(f"/posts/{answer.id}/edit", {"body": "Second text!", "reason": "x" * 301})
    assert too_long.status_code == 422 and 'id="reason-error"' in too_long.get_data(as_text=True)
    assert _count(Revision, Revision.post_id == answer.id) == 1
    saved = web.post(f"/posts/{answer.id}/edit", {"body": "Second answer text.",
                                                   "reason": "  Fixed the\nlink  "})
    assert saved.status_code == 302
    assert db.session.scalar(select(Revision.reason).where(Revision.post_id == answer.id,
                                                           Revision.rev == 2)) == "Fixed the link"


def thread_category_slug(thread) -> str:
    return db.session.get(Category, db.session.get(Thread, thread.id).category_id).slug
