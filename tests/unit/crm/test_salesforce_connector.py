"""The salesforce connector through the real simple-salesforce client, against the fake
Salesforce REST server on 127.0.0.1 (tests/fakes/salesforce.py)."""
import datetime as dt

import pytest

from crm.connector import ArticlePayload, ArticleRef, CaseRequest, ContactInput, ContactRef, \
    DeliveryError
from crm.connectors.salesforce import SalesforceConnector, SalesforceSettings
from tests.fakes.salesforce import reset, salesforce_server  # noqa: F401  (a fixture)


@pytest.fixture
def fake(salesforce_server):  # noqa: F811
    return reset(salesforce_server)


@pytest.fixture
def connector(fake):
    return SalesforceConnector(SalesforceSettings(
        instance_url=fake.url, session_id=fake.SESSION, ca_bundle=fake.cert, timeout=0.5))


def _case(thread_id=7, contact=None, key="msg_1"):
    return CaseRequest(thread_id=thread_id, subject="Printer on fire", description="It burns.",
                       priority="urgent", contact=contact, url="http://127.0.0.1/t/7",
                       idempotency_key=key)


def _item(version=1, title="How to reset the widget"):
    return ArticlePayload(item_id=3, thread_id=11, version=version, title=title,
                          problem_html="<p>It is stuck.</p>", solution_html="<p>Hold reset.</p>",
                          source_url="http://127.0.0.1/t/11")


def test_an_existing_contact_is_found_by_email(fake, connector):
    known = fake.add("Contact", LastName="Ada", Email="ada@example.com")
    ref = connector.find_or_create_contact(ContactInput(1, "ada@example.com", "Ada"))
    assert ref == ContactRef(known["Id"], "ada@example.com")
    assert len(fake.records("Contact")) == 1


def test_an_unknown_email_creates_one_contact(fake, connector):
    person = ContactInput(2, "o'brien@example.com", "Flann O'Brien")  # a quote in SOQL
    first = connector.find_or_create_contact(person)
    again = connector.find_or_create_contact(person)
    assert first == again
    assert [(c["LastName"], c["Email"]) for c in fake.records("Contact")] == \
        [("Flann O'Brien", "o'brien@example.com")]


def test_a_staff_set_external_id_is_used_as_is(fake, connector):
    ref = connector.find_or_create_contact(ContactInput(3, "x@example.com", "X", "003XYZ"))
    assert ref.ref == "003XYZ" and fake.requests == []


def test_an_article_is_drafted_then_published_and_a_new_version_replaces_it(fake, connector):
    first = connector.publish_article(_item(), "msg_a")
    [version] = fake.records("Knowledge__kav")
    assert version["PublishStatus"] == "Online" and version["Title"] == "How to reset the widget"
    assert version["UrlName"] == "community-thread-11" and first.version == 1

    second = connector.publish_article(_item(2, "How to reset the widget safely"), "msg_b")
    states = sorted((v["VersionNumber"], v["PublishStatus"], v["Title"])
                    for v in fake.records("Knowledge__kav"))
    assert states == [(1, "Archived", "How to reset the widget"),
                      (2, "Online", "How to reset the widget safely")]
    assert second == ArticleRef(first.ref, 2)


def test_a_retried_publish_after_a_crash_edits_the_same_draft(fake, connector):
    fake.add("Knowledge__kav", Title="half-written", UrlName="community-thread-11")
    connector.publish_article(_item(), "msg_a")
    [version] = fake.records("Knowledge__kav")
    assert (version["Title"], version["PublishStatus"]) == ("How to reset the widget", "Online")


def test_the_article_is_linked_to_the_contact_once_per_delivery(fake, connector):
    contact = ContactRef(fake.add("Contact", LastName="Ada", Email="a@example.com")["Id"])
    article = connector.publish_article(_item(), "msg_a")
    connector.link_article_to_contact(article, contact, "msg_link")
    connector.link_article_to_contact(article, contact, "msg_link")  # a retry
    [task] = fake.records("Task")
    assert task["WhoId"] == contact.ref and article.ref in task["Subject"]
    assert task["Community_Key__c"] == "msg_link"


def test_retiring_archives_the_online_version_and_a_retry_is_harmless(fake, connector):
    article = connector.publish_article(_item(), "msg_a")
    connector.retire_article(article, "msg_r")
    connector.retire_article(article, "msg_r")
    assert [v["PublishStatus"] for v in fake.records("Knowledge__kav")] == ["Archived"]


def test_a_case_is_upserted_on_the_thread_id_so_a_retry_makes_no_second_case(fake, connector):
    contact = ContactRef(fake.add("Contact", LastName="Ada")["Id"])
    first = connector.create_case(_case(contact=contact))
    again = connector.create_case(_case(contact=contact, key="msg_1"))
    [case] = fake.records("Case")
    assert first == again and first.ref == case["Id"] and first.status == "open"
    assert (case["Community_Thread_Id__c"], case["Priority"], case["ContactId"]) == \
        ("7", "High", contact.ref)
    assert ("PATCH", "/services/data/v60.0/sobjects/Case/Community_Thread_Id__c/7") \
        in fake.requests


def test_updating_a_case_sets_its_status_and_adds_a_comment(fake, connector):
    ref = connector.create_case(_case()).ref
    updated = connector.update_case(ref, status="closed", comment="Solved in the community.",
                                    idempotency_key="msg_u")
    assert updated.status == "closed" and fake.records("Case")[0]["Status"] == "Closed"
    assert [c["CommentBody"] for c in fake.records("CaseComment")] == ["Solved in the community."]


def test_the_poll_returns_our_cases_changed_since_a_moment(fake, connector):
    ref = connector.create_case(_case()).ref
    fake.add("Case", Subject="not from the community")
    since = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    fake.touch("Case", ref, Status="Closed", Community_Resolution__c="Replace the **fuse**.")
    [update] = connector.updated_cases(since)
    assert (update.case_ref, update.status, update.resolution) == \
        (ref, "closed", "Replace the **fuse**.")
    assert connector.updated_cases(update.modified_at) == []


@pytest.mark.parametrize("mode, retryable", [("500", True), ("503", True), ("timeout", True),
                                             ("garbage", False), ("400", False)])
def test_failures_become_delivery_errors(fake, connector, mode, retryable):
    fake.fail(mode)
    with pytest.raises(DeliveryError) as caught:
        connector.create_case(_case())
    assert caught.value.retryable is retryable
    assert connector.create_case(_case()).ref  # the next attempt goes through


def test_a_bad_session_is_a_retryable_delivery_error(fake):
    stale = SalesforceConnector(SalesforceSettings(instance_url=fake.url, session_id="expired",
                                                   ca_bundle=fake.cert, timeout=0.5))
    with pytest.raises(DeliveryError) as caught:
        stale.find_or_create_contact(ContactInput(1, "a@example.com", "A"))
    assert caught.value.retryable


def test_settings_from_config_keep_the_defaults_a_site_does_not_override():
    settings = SalesforceSettings.from_config({
        "SALESFORCE_INSTANCE_URL": "https://example.my.salesforce.com", "SALESFORCE_TIMEOUT": "3",
        "SALESFORCE_ARTICLE_FIELDS": {"problem": "Issue__c"}, "SALESFORCE_CA_BUNDLE": None})
    assert settings.timeout == 3.0 and settings.ca_bundle is None
    assert settings.article_fields["problem"] == "Issue__c"
    assert settings.article_fields["solution"] == "Answer__c"


def test_missing_settings_are_a_retryable_delivery_error_that_says_what_to_set():
    with pytest.raises(DeliveryError) as caught:
        SalesforceConnector(SalesforceSettings()).create_case(_case())
    assert caught.value.retryable and "SALESFORCE_SESSION_ID" in str(caught.value)
