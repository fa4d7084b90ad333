"""The ask form shows threads that probably answer the question: as the title is typed (with
JavaScript), or after "Check for similar questions" (without); then the question is posted once."""
import pytest
from playwright.sync_api import expect

from core.consumers import run_all_once
from core.database import db
from tests.browser.conftest import DESKTOP, PHONE, sign_in


@pytest.fixture
def indexed(live_server):
    """The seeded threads indexed and embedded, as the consumer thread would have done."""
    with live_server.app.app_context():
        run_all_once()
        db.session.remove()
    return live_server


def test_typing_a_title_lists_a_similar_thread(new_context, indexed):
    page = new_context(**DESKTOP).new_page()
    sign_in(page, "alice")
    page.goto("/ask")
    # No word in common with "How do I download my invoices?": found by meaning.
    page.get_by_label("Title").press_sequentially("where can I get a copy of my bills", delay=20)
    similar = page.locator("#similar")
    expect(similar).to_have_attribute("aria-live", "polite")
    link = similar.get_by_role("link", name="How do I download my invoices?")
    expect(link).to_be_visible()
    expect(similar.locator("li").first).to_contain_text("1 answer")
    assert similar.locator("li").count() <= 5
    assert link.get_attribute("href").endswith(indexed.data.plain_url)


@pytest.mark.parametrize("device", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_without_javascript_the_check_step_lists_them_then_posts(new_context, indexed, device):
    page = new_context(**device, java_script_enabled=False).new_page()
    sign_in(page, "bob")
    page.goto("/ask")
    page.get_by_label("Title").fill("where can I get a copy of my bills")
    page.get_by_label("Category").select_option(label="Billing")
    page.get_by_role("button", name="Check for similar questions").click()
    similar = page.locator("#similar")
    expect(similar.get_by_role("link", name="How do I download my invoices?")).to_be_visible()
    expect(page.get_by_label("Title")).to_have_value("where can I get a copy of my bills")
    page.get_by_label("Details").fill("I need last year's bills for my accountant, as files.")
    page.get_by_role("button", name="Post your question").click()
    expect(page.get_by_role("status")).to_have_text("Your question is posted.")
    expect(page.get_by_role("heading", level=1)).to_have_text("where can I get a copy of my bills")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"]
