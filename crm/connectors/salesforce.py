"""The `salesforce` connector: Contacts by email (SOQL), Knowledge articles (draft, then publish),
a Task on the contact linking the article, Cases upserted on an external id field, and the
Cases changed since the last poll. Talks REST through simple-salesforce; fields come from config."""
import logging
from dataclasses import dataclass, field
from datetime import datetime

import requests
from simple_salesforce import Salesforce, format_external_id, format_soql
from simple_salesforce.exceptions import SalesforceError, SalesforceGeneralError

from crm.connector import (ArticlePayload, ArticleRef, CaseRef, CaseRequest, ContactInput,
                           ContactRef, DeliveryError)

log = logging.getLogger("commonplace.crm.salesforce")
# Our case statuses as Salesforce Case Status picklist values, and back (unknown values read
# as open, unless Salesforce says the case is closed).
STATUS_OUT = {"open": "New", "pending": "Working", "closed": "Closed"}
STATUS_IN = {"New": "open", "Working": "open", "Escalated": "open", "On Hold": "pending",
             "Waiting on Customer": "pending", "Closed": "closed"}
PRIORITY_OUT = {"low": "Low", "normal": "Medium", "high": "High", "urgent": "High"}


@dataclass(frozen=True)
class CaseUpdate:
    """A case as the CRM has it now (the poll's answer, the same shape as an inbound event)."""

    case_ref: str
    status: str
    resolution: str | None
    modified_at: datetime | None = None


@dataclass(frozen=True)
class SalesforceSettings:
    instance_url: str | None = None
    session_id: str | None = None
    username: str | None = None
    password: str | None = None
    security_token: str | None = None
    domain: str = "login"
    api_version: str = "60.0"
    timeout: float = 10.0
    ca_bundle: str | None = None  # a private CA (a TLS-inspecting proxy, the test server)
    article_object: str = "Knowledge__kav"
    article_fields: dict = field(default_factory=lambda: {
        "title": "Title", "url_name": "UrlName", "problem": "Question__c",
        "solution": "Answer__c", "source_url": "Community_Url__c"})
    case_external_id_field: str = "Community_Thread_Id__c"
    case_resolution_field: str = "Community_Resolution__c"
    task_external_id_field: str = "Community_Key__c"

    @classmethod
    def from_config(cls, config) -> "SalesforceSettings":
        values = {name: config[f"SALESFORCE_{name.upper()}"] for name in cls.__dataclass_fields__
                  if config.get(f"SALESFORCE_{name.upper()}") not in (None, "")}
        if "timeout" in values:
            values["timeout"] = float(values["timeout"])
        if "article_fields" in values:  # a partial map changes only the fields it names
            values["article_fields"] = {**cls().article_fields, **values["article_fields"]}
        return cls(**values)


class _Session(requests.Session):
    """Every request gets a timeout: a CRM that hangs must not hold a relay worker forever."""

    def __init__(self, timeout: float, verify: str | None):
        super().__init__()
        self.timeout = timeout
        if verify:
            self.verify = verify

    def request(self, *args, **kwargs):
        kwargs.setdefault("timeout", self.timeout)
        kwargs.setdefault("verify", self.verify)  # else REQUESTS_CA_BUNDLE would win
        return super().request(*args, **kwargs)


def _delivery_errors(fn):
    """Translate what the HTTP client and Salesforce raise into DeliveryError(retryable)."""
    def wrapper(self, *args, **kwargs):
        try:
            return fn(self, *args, **kwargs)
        except (requests.Timeout, requests.ConnectionError) as exc:
            raise DeliveryError(f"Salesforce unreachable: {type(exc).__name__}") from exc
        except SalesforceGeneralError as exc:  # 5xx and other unmapped statuses
            raise DeliveryError(f"Salesforce error {exc.status}", retryable=exc.status >= 500) \
                from exc
        except SalesforceError as exc:  # 300, 400, 401, 403, 404: retrying sends the same
            retryable = getattr(exc, "status", None) == 401  # an expired session is renewed
            raise DeliveryError(f"Salesforce refused: {exc.status} {str(exc)[:200]}",
                                retryable=retryable) from exc
        except (ValueError, KeyError, TypeError, IndexError) as exc:  # not the JSON we expect
            raise DeliveryError(f"Salesforce answered garbage: {type(exc).__name__}",
                                retryable=False) from exc
    wrapper.__name__, wrapper.__doc__ = fn.__name__, fn.__doc__
    return wrapper


class SalesforceConnector:
    name = "salesforce"

    def __init__(self, settings: SalesforceSettings):
        self.settings = settings
        self._sf: Salesforce | None = None

    @classmethod
    def from_config(cls, config) -> "SalesforceConnector":
        return cls(SalesforceSettings.from_config(config))

    @property
    def sf(self) -> Salesforce:
        if self._sf is None:
            s = self.settings
            session = _Session(s.timeout, s.ca_bundle)
            if not ((s.session_id and s.instance_url) or (s.username and s.password)):
                # retryable: the rows wait (with backoff) until the settings are fixed
                raise DeliveryError("Salesforce is not configured: set SALESFORCE_INSTANCE_URL "
                                    "and SALESFORCE_SESSION_ID, or SALESFORCE_USERNAME and "
                                    "SALESFORCE_PASSWORD")
            if s.session_id:
                self._sf = Salesforce(instance_url=s.instance_url, session_id=s.session_id,
                                      version=s.api_version, session=session)
            else:
                self._sf = Salesforce(username=s.username, password=s.password,
                                      security_token=s.security_token or "", domain=s.domain,
                                      version=s.api_version, session=session)
        return self._sf

    def _one(self, soql: str, **values) -> dict | None:
        records = self.sf.query(format_soql(soql, **values))["records"]
        return records[0] if records else None

    # ---- contacts ---------------------------------------------------------------------------

    @_delivery_errors
    def find_or_create_contact(self, user: ContactInput) -> ContactRef:
        if user.external_id:
            return ContactRef(user.external_id, user.email)
        if user.email:
            found = self._one("SELECT Id, Email FROM Contact WHERE Email = {email} "
                              "ORDER BY CreatedDate LIMIT 1", email=user.email)
            if found:
                return ContactRef(found["Id"], found.get("Email") or user.email)
        created = self.sf.Contact.create({"LastName": user.name[:80] or "Community member",
                                          "Email": user.email})
        return ContactRef(created["id"], user.email)

    # ---- knowledge ----------------------------------------------------------------------------

    def _article_values(self, item: ArticlePayload) -> dict:
        f = self.settings.article_fields
        values = {f["title"]: item.title[:255], f["url_name"]: f"community-thread-{item.thread_id}",
                  f["problem"]: item.problem_html, f["solution"]: item.solution_html}
        if f.get("source_url"):
            values[f["source_url"]] = item.source_url
        return values

    @_delivery_errors
    def publish_article(self, item: ArticlePayload, idempotency_key: str) -> ArticleRef:
        """Write the draft (a new one, or one made from the online version), then publish it.
        Found by UrlName, so a retry after a crash edits the same article, never a second."""
        obj, values = self.settings.article_object, self._article_values(item)
        url_name = values[self.settings.article_fields["url_name"]]
        versions = self.sf.query(format_soql(
            f"SELECT Id, KnowledgeArticleId, PublishStatus, VersionNumber FROM {obj} "
            "WHERE UrlName = {url} AND PublishStatus IN ('Draft', 'Online')", url=url_name))
        by_status = {v["PublishStatus"]: v for v in versions["records"]}
        draft = by_status.get("Draft")
        if draft is None and "Online" in by_status:
            made = self.sf.restful("knowledgeManagement/articleVersions/masterVersions",
                                   method="POST",
                                   json={"articleId": by_status["Online"]["KnowledgeArticleId"]})
            draft = {"Id": made["id"], "KnowledgeArticleId":
                     by_status["Online"]["KnowledgeArticleId"]}
        if draft is None:
            draft_id = getattr(self.sf, obj).create(values)["id"]
            draft = getattr(self.sf, obj).get(draft_id)
        else:
            update = {k: v for k, v in values.items()
                      if k != self.settings.article_fields["url_name"]}
            getattr(self.sf, obj).update(draft["Id"], update)
        self.sf.restful(f"knowledgeManagement/articleVersions/masterVersions/{draft['Id']}",
                        method="PATCH", json={"publishStatus": "Online"})
        online = getattr(self.sf, obj).get(draft["Id"])
        return ArticleRef(draft["KnowledgeArticleId"], int(online["VersionNumber"]))

    @_delivery_errors
    def link_article_to_contact(self, article: ArticleRef, contact: ContactRef,
                                idempotency_key: str) -> None:
        """A completed Task on the contact naming the article, upserted on the delivery's key."""
        self.sf.Task.upsert(
            format_external_id(self.settings.task_external_id_field, idempotency_key[:80]),
            {"WhoId": contact.ref, "Subject": f"Community knowledge article {article.ref}"[:255],
             "Description": f"Knowledge article {article.ref}, version {article.version}, "
                            "was written from this contact's solved community thread.",
             "Status": "Completed"})

    @_delivery_errors
    def retire_article(self, article: ArticleRef, idempotency_key: str) -> None:
        online = self._one(f"SELECT Id FROM {self.settings.article_object} "
                           "WHERE KnowledgeArticleId = {ref} AND PublishStatus = 'Online'",
                           ref=article.ref)
        if online is None:
            return  # already archived (a retry) or never published
        self.sf.restful(f"knowledgeManagement/articleVersions/masterVersions/{online['Id']}",
                        method="PATCH", json={"publishStatus": "Archived"})

    # ---- cases --------------------------------------------------------------------------------

    @_delivery_errors
    def create_case(self, case: CaseRequest) -> CaseRef:
        """Upsert on the thread's id: the same thread twice is one Case."""
        s = self.settings
        values = {"Subject": case.subject[:255], "Description": f"{case.description}\n\n{case.url}",
                  "Priority": PRIORITY_OUT.get(case.priority, "Medium"), "Origin": "Web"}
        if case.contact is not None:
            values["ContactId"] = case.contact.ref
        external_id = format_external_id(s.case_external_id_field, str(case.thread_id))
        self.sf.Case.upsert(external_id, values)
        found = self.sf.Case.get_by_custom_id(s.case_external_id_field, str(case.thread_id))
        return CaseRef(found["Id"], self._status_in(found))

    @_delivery_errors
    def update_case(self, ref: str, *, status: str | None = None, comment: str | None = None,
                    idempotency_key: str) -> CaseRef:
        if status is not None:
            self.sf.Case.update(ref, {"Status": STATUS_OUT[status]})
        if comment:
            self.sf.CaseComment.create({"ParentId": ref, "CommentBody": comment[:4000]})
        return CaseRef(ref, self._status_in(self.sf.Case.get(ref)))

    @_delivery_errors
    def updated_cases(self, since: datetime) -> list[CaseUpdate]:
        """Cases of ours changed after `since` (LastModifiedDate), oldest first."""
        s = self.settings
        soql = format_soql(
            f"SELECT Id, Status, IsClosed, LastModifiedDate, {s.case_resolution_field} "
            f"FROM Case WHERE {s.case_external_id_field} != null "
            "AND LastModifiedDate > {since:literal} ORDER BY LastModifiedDate LIMIT 200",
            since=since.strftime("%Y-%m-%dT%H:%M:%SZ"))
        return [CaseUpdate(r["Id"], self._status_in(r), r.get(s.case_resolution_field) or None,
                           _parse_time(r.get("LastModifiedDate")))
                for r in self.sf.query(soql)["records"]]

    @staticmethod
    def _status_in(record: dict) -> str:
        if record.get("IsClosed"):
            return "closed"
        return STATUS_IN.get(record.get("Status") or "", "open")


def _parse_time(value: str | None) -> datetime | None:
    # Salesforce writes 2026-12-01T18:00:00.000+0000
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f%z") if value else None
