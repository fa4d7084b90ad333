"""The thread page's support case: the escalation form for support and moderators, the case
panel for the asker and staff, a draft resolution with Publish for staff; and the system's
`crm escalate-stale`."""
from datetime import timedelta

import pytest
from sqlalchemy import update

from community import services
from community.models import Case, Thread, utcnow
from core.database import db
from crm import relay
from tests import factories


@pytest.fixture
def people(app):
    asker = factories.user()
    return {"asker": asker, "member": factories.user(), "support": factories.user("support"),
            "thread": factories.thread(asker)}


def _page(web, thread):
    response = web.get(f"/t/{thread.id}/{thread.slug}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_support_escalate_from_the_thread_page_and_the_asker_sees_the_case(web, people):
    thread = people["thread"]
    web.login(people["member"].username)
    assert "Escalate to support case" not in _page(web, thread)
    web.login(people["support"].username)
    assert "Escalate to support case" in _page(web, thread)
    response = web.post(f"/t/{thread.id}/escalate", {"reason": "Stuck for days.",
                                                     "priority": "urgent"})
    assert response.status_code == 302 and response.headers["Location"].endswith("#case")
    page = _page(web, thread)
    assert "Support case" in page and "pending sync" in page and "urgent" in page
    assert "Escalate to support case" not in page  # one case per thread
    relay.run_once()
    ref = db.session.scalar(db.select(Case.crm_ref))
    web.login(people["asker"].username)
    assert ref in _page(web, thread)
    web.login(people["member"].username)
    assert "Support case" not in _page(web, thread)


def test_a_bad_escalation_form_says_why(web, people):
    web.login(people["support"].username)
    web.post(f"/t/{people['thread'].id}/escalate", {"reason": "", "priority": "whenever"})
    page = _page(web, people["thread"])
    assert "reason: is required" in page and "priority: must be one of" in page
    assert db.session.scalar(db.select(db.func.count(Case.id))) == 0


def test_the_draft_resolution_is_shown_to_the_asker_and_published_by_staff(app, web, people):
    thread = people["thread"]
    case = services.escalate(people["support"], thread.id, "Stuck.", "normal")
    relay.run_once()
    ref = db.session.get(Case, case.id).crm_ref
    services.apply_case_change(services.case_change(ref, "closed", "Try <script>x()</script> **this**"))
    draft_id = db.session.get(Case, case.id).resolution_post_id
    assert "<strong>this</strong>" not in _page(web, thread)  # anonymous: no draft
    web.login(people["asker"].username)
    page = _page(web, thread)
    assert "<strong>this</strong>" in page and "<script>x()" not in page
    assert "Draft resolution" in page and "Publish</button>" not in page
    web.login(people["support"].username)
    assert "Publish</button>" in _page(web, thread)
    response = web.post(f"/posts/{draft_id}/publish")
    assert response.status_code == 302
    anonymous = app.test_client().get(f"/t/{thread.id}/{thread.slug}").get_data(as_text=True)
    assert "<strong>this</strong>" in anonymous and "Draft resolution" not in anonymous


def _age(thread_id: int, hours: int) -> None:
    db.session.execute(update(Thread).where(Thread.id == thread_id)
                       .values(created_at=utcnow() - timedelta(hours=hours)))
    db.session.commit()


def test_escalate_stale_escalates_overdue_unanswered_threads_once(app, runner):
    quick, slow = factories.category(), factories.category()
    set_target = runner.invoke(args=["crm", "answer-target", quick.slug, "2"])
    assert "answer target 2 hours" in set_target.output, set_target.output
    app.config["CASE_ANSWER_TARGET_HOURS"] = 48
    overdue = factories.thread(category_=quick)
    answered = factories.thread(category_=quick)
    factories.answer(answered)
    fresh = factories.thread(category_=quick)
    not_yet = factories.thread(category_=slow)  # 5 hours old, under the default of 48
    for thread, hours in ((overdue, 5), (answered, 5), (fresh, 1), (not_yet, 5)):
        _age(thread.id, hours)
    result = runner.invoke(args=["crm", "escalate-stale"])
    assert result.exit_code == 0 and "escalated 1 thread" in result.output
    [case] = db.session.scalars(db.select(Case))
    assert case.thread_id == overdue.id and case.escalated_by_id is None
    again = runner.invoke(args=["crm", "escalate-stale"])
    assert "escalated 0 threads" in again.output
    assert db.session.scalar(db.select(db.func.count(Case.id))) == 1


def test_an_answer_target_must_be_hours_and_the_category_must_exist(runner):
    factories.admin()
    slug = factories.category().slug
    assert "must be a whole number" in runner.invoke(args=["crm", "answer-target", slug,
                                                           "0"]).output
    assert "No category" in runner.invoke(args=["crm", "answer-target", "nope", "3"]).output
    assert "the default (48 hours)" in runner.invoke(args=["crm", "answer-target", slug]).output
