"""The webhook connector: one signed JSON POST per change to CRM_WEBHOOK_URL, typed
`contact.synced`, `knowledge.published|updated|retired`, `case.created|updated`. The body is
`{"type", "id", "created_at", "data"}`; `id` and the `webhook-id` header are the outbox row's
idempotency key, so a retried delivery keeps them. A receiver may answer `{"ref": ...}`."""
import hashlib
import json
import threading
from datetime import datetime, UTC

import requests

from crm import signing
from crm.connector import (ArticlePayload, ArticleRef, CaseRef, CaseRequest, ContactInput,
                           ContactRef, DeliveryError)

RETRYABLE_STATUS = {408, 425, 429}  # and every 5xx


class WebhookConnector:
    name = "webhook"
    retire_with_item = True

    def __init__(self, url: str, secret: str, timeout: float = 5.0):
        if not url or not secret:
            raise RuntimeError("CRM_CONNECTOR=webhook needs CRM_WEBHOOK_URL and CRM_WEBHOOK_SECRET")
        self.url, self.secret, self.timeout = url, secret, timeout
        self._local = threading.local()  # a requests.Session per relay thread

    @classmethod
    def from_config(cls, config) -> "WebhookConnector":
        return cls(config.get("CRM_WEBHOOK_URL"), config.get("CRM_WEBHOOK_SECRET"),
                   float(config.get("CRM_HTTP_TIMEOUT", 5.0)))

    def find_or_create_contact(self, user: ContactInput) -> ContactRef:
        data = {"user_id": user.user_id, "email": user.email, "name": user.name,
                "external_id": user.external_id}
        # The protocol gives no key here: one derived from who the person is stays the same
        # across retries.
        who = f"{user.user_id}:{user.email}:{user.external_id}".encode()
        key = f"msg_contact_{hashlib.sha256(who).hexdigest()[:32]}"
        answer = self.send("contact.synced", key, data)
        return ContactRef(answer.get("ref") or user.external_id or f"member-{user.user_id}",
                          user.email)

    def publish_article(self, item: ArticlePayload, idempotency_key: str) -> ArticleRef:
        answer = self.send(item.change, idempotency_key, self._knowledge(item))
        return ArticleRef(answer.get("ref") or f"kb-{item.item_id}", item.version)

    def link_article_to_contact(self, article: ArticleRef, contact: ContactRef,
                                idempotency_key: str) -> None:
        """Nothing to send: every knowledge delivery already names the asker's contact."""

    def retire_article(self, article: ArticleRef, idempotency_key: str,
                       item: ArticlePayload | None = None) -> None:
        data = self._knowledge(item, article.ref) if item else {"article_ref": article.ref}
        self.send("knowledge.retired", idempotency_key, data)

    def create_case(self, case: CaseRequest) -> CaseRef:
        data = {"thread_id": case.thread_id, "subject": case.subject,
                "description": case.description, "priority": case.priority, "url": case.url,
                "contact_ref": case.contact.ref if case.contact else None}
        answer = self.send("case.created", case.idempotency_key, data)
        return CaseRef(answer.get("ref") or f"case-{case.thread_id}",
                       answer.get("status") or "open")

    def update_case(self, ref: str, *, status: str | None = None, comment: str | None = None,
                    idempotency_key: str) -> CaseRef:
        data = {"case_ref": ref, "status": status, "comment": comment}
        answer = self.send("case.updated", idempotency_key, data)
        return CaseRef(ref, answer.get("status") or status or "open")

    @staticmethod
    def _knowledge(item: ArticlePayload, article_ref: str | None = None) -> dict:
        document = {"id": item.item_id, "thread_id": item.thread_id, "title": item.title,
                    "problem_html": item.problem_html, "solution_html": item.solution_html,
                    "tags": list(item.tags), "category": item.category,
                    "contributors": list(item.contributors), "source_url": item.source_url,
                    "version": item.version, "status": item.status,
                    "crm": {"contact_ref": item.contact.ref if item.contact else None,
                            "article_ref": article_ref or f"kb-{item.item_id}",
                            "synced_at": None}}
        return {"item": document, "contact_ref": document["crm"]["contact_ref"],
                "qa_page": item.jsonld}

    def send(self, type_: str, msg_id: str, data: dict) -> dict:
        """POST one signed event; the receiver's JSON object answer (or {}). Raises
        DeliveryError: retryable for timeouts, dropped connections, 5xx and 429."""
        created = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        body = json.dumps({"type": type_, "id": msg_id, "created_at": created, "data": data},
                          separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json", "Idempotency-Key": msg_id,
                   **signing.headers(self.secret, msg_id, body)}
        try:
            response = self._session().post(self.url, data=body, headers=headers,
                                            timeout=self.timeout, allow_redirects=False)
        except requests.Timeout:
            raise DeliveryError(f"{type_}: no answer within {self.timeout:g}s") from None
        except requests.RequestException as exc:
            raise DeliveryError(f"{type_}: connection failed ({type(exc).__name__})") from None
        return _answer(type_, response)

    def _session(self) -> requests.Session:
        if not hasattr(self._local, "session"):
            self._local.session = requests.Session()
        return self._local.session


def _answer(type_: str, response) -> dict:
    status = response.status_code
    if status >= 500 or status in RETRYABLE_STATUS:
        raise DeliveryError(f"{type_}: the receiver answered {status}")
    if not 200 <= status < 300:
        raise DeliveryError(f"{type_}: the receiver refused it ({status}): "
                            f"{response.text[:200]!r}", retryable=False)
    if not response.content.strip():
        return {}
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if not isinstance(answer, dict) or not all(isinstance(answer.get(k, ""), str)
                                               for k in ("ref", "status")):
        raise DeliveryError(f"{type_}: the receiver answered {status} with something that is "
                            f"not a JSON object of strings: {response.text[:200]!r}",
                            retryable=False)
    return answer
