"""The whole loop with CRM_CONNECTOR=salesforce against the fake Salesforce server: an
escalation becomes a Case upserted on the thread's id, and `crm sync` polls the Case's new
status and resolution back into the community."""
import pytest

from community import services
from community.models import Case, Post
from core.database import db
from crm import relay
from crm.connectors import reset
from tests import factories
from tests.fakes.salesforce import reset as forget, salesforce_server  # noqa: F401


@pytest.fixture
def salesforce(app, salesforce_server):  # noqa: F811
    server = forget(salesforce_server)
    app.config.update(CRM_CONNECTOR="salesforce", SALESFORCE_INSTANCE_URL=server.url,
                      SALESFORCE_SESSION_ID=server.SESSION, SALESFORCE_CA_BUNDLE=server.cert,
                      SALESFORCE_TIMEOUT=0.5, CRM_POLL_SECONDS=0)
    reset(app)
    yield server
    reset(app)


def test_an_escalation_becomes_one_salesforce_case_and_its_update_comes_back(
        app, runner, salesforce):
    asker, support = factories.user(), factories.user("support")
    thread = factories.thread(asker)
    relay.run_once()  # the sign-ups' contacts
    case = services.escalate(support, thread.id, "The customer is stuck.", "high")
    salesforce.fail("500")  # the first attempt meets an outage; the row waits and retries
    relay.run_once()
    assert db.session.get(Case, case.id).crm_ref is None
    relay.run_once(now_too=True)
    [sf_case] = salesforce.records("Case")
    assert sf_case["Community_Thread_Id__c"] == str(thread.id) and sf_case["Priority"] == "High"
    [contact] = [c for c in salesforce.records("Contact") if c["Email"] == asker.email]
    assert sf_case["ContactId"] == contact["Id"]
    assert db.session.get(Case, case.id).crm_ref == sf_case["Id"]

    salesforce.touch("Case", sf_case["Id"], Status="Closed",
                     Community_Resolution__c="Hold the reset button for *ten* seconds.")
    result = runner.invoke(args=["crm", "sync"])
    assert result.exit_code == 0, result.output
    assert "1 changes from the CRM" in result.output
    db.session.rollback()
    kept = db.session.get(Case, case.id)
    draft = db.session.get(Post, kept.resolution_post_id)
    assert kept.status == "closed" and draft.is_draft and "<em>ten</em>" in draft.body_html
    again = runner.invoke(args=["crm", "sync"])  # nothing new since the mark
    assert "changes from the CRM" not in again.output
    assert db.session.scalar(db.select(db.func.count(Post.id)).where(Post.is_draft)) == 1


def test_a_poll_during_an_outage_changes_nothing_and_says_so(app, runner, salesforce):
    salesforce.fail("timeout")
    result = runner.invoke(args=["crm", "sync"])
    assert result.exit_code == 0 and "changes from the CRM" not in result.output


def test_the_relay_loop_polls_salesforce_at_most_once_a_minute(app, salesforce):
    from crm.inbound import poll_cases
    from crm.connectors import get_connector
    app.config["CRM_POLL_SECONDS"] = 60
    poll_cases(get_connector())
    queries = [r for r in salesforce.requests if "/query/" in r[1]]
    poll_cases(get_connector())  # the next relay pass, a moment later
    assert [r for r in salesforce.requests if "/query/" in r[1]] == queries
    app.config["CRM_POLL_SECONDS"] = 0
    poll_cases(get_connector())
    assert len([r for r in salesforce.requests if "/query/" in r[1]]) == len(queries) + 1
