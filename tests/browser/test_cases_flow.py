"""Support cases clicked through on a phone with JavaScript off: a support agent escalates a
thread from its page, publishes the draft resolution of another, and a visitor then reads it."""
import re

from playwright.sync_api import expect

from tests.browser.conftest import PHONE, sign_in


def test_support_escalate_and_publish_a_draft_without_javascript(new_context, live_server):
    agent = new_context(**PHONE, java_script_enabled=False).new_page()
    sign_in(agent, "sam")
    agent.goto(live_server.data.wide_url)
    agent.get_by_label("Reason").fill("Charged twice; the customer wants a refund.")
    agent.get_by_label("Priority").select_option("urgent")
    agent.get_by_role("button", name="Escalate to support case").click()
    expect(agent.get_by_role("status").first).to_have_text(re.compile("Escalated"))
    panel = agent.locator("#case")
    expect(panel).to_contain_text("pending sync")
    expect(panel).to_contain_text("urgent")

    agent.goto(live_server.data.plain_url)
    draft = agent.locator("article.answer.draft")
    expect(draft).to_contain_text("Invoices live under Billing")
    draft.get_by_role("button", name="Publish").click()
    expect(agent.get_by_role("status").first).to_have_text("The draft answer is published.")

    visitor = new_context(**PHONE, java_script_enabled=False).new_page()
    visitor.goto(live_server.data.plain_url)
    expect(visitor.locator("section.answers")).to_contain_text("Invoices live under Billing")
    expect(visitor.locator("#case")).to_have_count(0)
