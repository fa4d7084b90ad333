"""A reader with a thread open on a phone sees a new answer, then the accepted mark, appear
without reloading (static/live.js over Socket.IO, fragments fetched over HTTP)."""
from playwright.sync_api import expect

from community import services
from community.models import User
from core.consumers import run_until_caught_up
from core.database import db
from tests.browser.conftest import PHONE


def _as(username: str) -> User:
    return db.session.scalar(db.select(User).where(User.username == username))


def test_a_new_answer_and_the_accepted_mark_appear_without_reloading(new_context, live_server,
                                                                     screens):
    page = new_context(**PHONE).new_page()
    page.goto(live_server.data.plain_url)
    thread_id = int(live_server.data.plain_url.split("/")[2])
    expect(page.locator("#live")).to_have_attribute("data-live-thread", str(thread_id))
    with live_server.app.app_context():
        answer_id = services.create_answer(_as("sam"), thread_id, "Live: try the Invoices tab.").id
        run_until_caught_up("realtime")  # as the consumer thread does after the commit
        db.session.remove()
    answers = page.locator("section.answers")
    expect(answers).to_contain_text("Live: try the Invoices tab.")
    expect(page.locator("#live-status")).to_have_text("Updated with new activity.")
    with live_server.app.app_context():
        services.accept_answer(_as("alice"), thread_id, answer_id)
        run_until_caught_up("realtime")
        db.session.remove()
    expect(page.locator(f"#post-{answer_id}")).to_contain_text("Accepted answer")
    page.screenshot(path=str(screens / "live-update-phone.png"), full_page=True)
