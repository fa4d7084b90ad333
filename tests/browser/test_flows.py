"""The customer loop, clicked through with JavaScript off (nothing needs JS to read or post):
register, ask, answer, vote, accept; the thread ends Solved with the accepted answer first."""
import re
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from core.database import db
from community.models import User
from tests import factories
from tests.browser.conftest import DESKTOP, PASSWORD, PHONE, header_link, sign_out

TITLE = "How do I reset my password without my old phone?"
BODY = "I changed phones and the reset code still goes to the old number. What can I do?"
ANSWER = "Use the **email** option on the reset page; support can also update your number."


def click_sign_in(page, login: str) -> None:
    page.get_by_role("banner").get_by_role("link", name="Sign in").click()
    page.get_by_label("Email or username").fill(login)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("status")).to_have_text(re.compile(f"Signed in as {login}"))


def click_sign_out(page) -> None:
    sign_out(page)
    expect(page.get_by_role("status")).to_have_text("Signed out.")


def open_thread(page) -> None:
    header_link(page, "Questions")
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)


def answers(page):
    return page.locator("section.answers article.answer")


@pytest.mark.parametrize("device", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_ask_answer_vote_accept_without_javascript(new_context, live_server, device):
    page = new_context(**device, java_script_enabled=False).new_page()
    page.goto("/")

    # A new customer registers ...
    header_link(page, "Register")
    page.get_by_label("Username").fill("carol")
    page.get_by_label("Email").fill("carol@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("status")).to_have_text("Welcome, carol!")

    # ... and asks a question in a category, with tags.
    page.get_by_role("link", name="Ask", exact=True).click()
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Category").select_option(label="Accounts")
    page.get_by_label("Details").fill(BODY)
    page.get_by_label("Tags").fill("password-reset, 2fa")
    page.get_by_role("button", name="Post your question").click()
    expect(page.get_by_role("status")).to_have_text("Your question is posted.")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    question = page.locator("article.question")
    expect(question.get_by_role("link", name="Accounts")).to_be_visible()
    expect(question.locator("a.tag")).to_have_count(2)
    assert sorted(question.locator("a.tag").all_inner_texts()) == ["2fa", "password-reset"]
    thread_id = int(re.search(r"/t/(\d+)/", page.url).group(1))
    click_sign_out(page)

    # Meanwhile someone else answers first, so "accepted first" is a real reordering.
    with live_server.app.app_context():
        early = factories.answer(SimpleNamespace(id=thread_id),
                                 db.session.get(User, live_server.data.asker.id),
                                 body="Have you tried turning it off and on again?")
        early_id = early.id
        db.session.remove()

    # Another customer signs in, answers, and votes the question up.
    click_sign_in(page, live_server.data.helper.username)
    open_thread(page)
    page.get_by_label("Answer (Markdown)").fill(ANSWER)
    page.get_by_role("button", name="Post your answer").click()
    expect(page.get_by_role("status")).to_have_text("Your answer is posted.")
    expect(answers(page)).to_have_count(2)
    helper_answer = answers(page).filter(has_text="support can also update your number")
    helper_answer_id = helper_answer.get_attribute("id")
    expect(answers(page).nth(0)).to_have_id(f"post-{early_id}")  # older answer first, for now

    question = page.locator("article.question")
    question.get_by_role("button", name="Vote up").click()
    question = page.locator("article.question")
    expect(question.locator(".score")).to_have_text("1")
    expect(question.get_by_role("button", name="Vote up")).to_have_attribute("aria-pressed", "true")
    # An answerer may not accept on someone else's thread.
    expect(page.get_by_role("button", name="Accept this answer")).to_have_count(0)
    click_sign_out(page)

    # The asker signs back in and accepts the helpful answer.
    click_sign_in(page, "carol")
    open_thread(page)
    expect(page.locator("article.question .badge.solved")).to_have_count(0)
    page.locator(f"#{helper_answer_id}").get_by_role("button", name="Accept this answer").click()
    expect(page.get_by_role("status")).to_have_text("Answer accepted: the thread is solved.")

    # Solved, and the accepted answer now leads.
    expect(page.locator("article.question .badge.solved")).to_have_text("Solved")
    first = answers(page).nth(0)
    expect(first).to_have_id(helper_answer_id)
    expect(first).to_have_class(re.compile(r"\baccepted\b"))
    expect(first.get_by_text("✓ Accepted answer")).to_be_visible()
    expect(first.locator(".body strong")).to_have_text("email")  # the Markdown was rendered
    expect(first.get_by_role("button", name="Remove acceptance")).to_be_visible()
    expect(answers(page).nth(1)).to_have_id(f"post-{early_id}")
    expect(page.locator("article.question .score")).to_have_text("1")

    # The lists show it solved too.
    header_link(page, "Questions")
    row = page.locator("li.thread-row").filter(has=page.get_by_role("link", name=TITLE))
    expect(row.locator(".badge.solved")).to_have_text("Solved")
