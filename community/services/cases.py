"""Support cases: escalating a thread (the case row here; the CRM hears of it through the
outbox, never during the request), the CRM's ref, status and resolution coming back, the
resolution as a draft answer, and staff publishing that draft.

Reasons and resolutions are cleaned and rendered before the transaction starts."""
import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, or_, select

from community import events
from community.markdown import render
from community.models import PRIORITIES, Case, Category, Post, Revision, Thread, User, utcnow
from community.policies import can_escalate, can_manage_categories, can_publish_draft, ensure
from community.services.audit import record
from community.services.loading import get_post, get_thread, lock_post_and_thread, touch, \
    visible_thread
from community.services.posts import _visible_answers
from community.services.threads import add_revision
from community.validation import clean_text
from core.database import db
from core.errors import Conflict, NotFound, ValidationFailed
from core.transactions import transactional

log = logging.getLogger("commonplace.cases")
REASON_MAX_LENGTH = 2000
RESOLUTION_MAX_LENGTH = 30000
STATUSES_FROM_CRM = ("open", "pending", "closed")


def _clean_escalation(reason, priority) -> str:
    errors = {}
    if not isinstance(reason, str) or not clean_text(reason):
        errors["reason"] = ["is required"]
    elif len(clean_text(reason)) > REASON_MAX_LENGTH:
        errors["reason"] = [f"must be at most {REASON_MAX_LENGTH} characters"]
    if priority not in PRIORITIES:
        errors["priority"] = [f"must be one of {', '.join(PRIORITIES)}"]
    if errors:
        raise ValidationFailed(errors)
    return clean_text(reason)


def escalate(actor, thread_id, reason, priority="normal") -> Case:
    """Open the thread's support case (support, moderators); a second escalation is a 409."""
    return _escalate(actor, thread_id, _clean_escalation(reason, priority), priority)


@transactional
def _escalate(actor, thread_id, reason, priority) -> Case:
    thread = visible_thread(actor, thread_id, lock=True)
    if thread.is_deleted:
        raise NotFound(f"Thread {thread_id} does not exist.")
    ensure(can_escalate, actor, thread)
    case = _open_case(thread, actor.id, reason, priority)
    record(actor, "case.escalated", thread, reason[:500], case_id=case.id, priority=priority)
    return case


def _open_case(thread: Thread, actor_id: int | None, reason: str, priority: str) -> Case:
    """The case row and its event (the caller holds the thread's lock)."""
    if db.session.scalar(select(Case.id).where(Case.thread_id == thread.id)) is not None:
        raise Conflict("This thread is already escalated to a support case.",
                       {"case": ["already exists: this thread is already escalated"]})
    case = Case(thread_id=thread.id, status="pending_sync", priority=priority, reason=reason,
                escalated_by_id=actor_id)
    db.session.add(case)
    db.session.flush()  # a concurrent twin fails here on uq_cases_thread_id: a 409
    touch(thread)
    events.emit(events.CASE_ESCALATED, thread_id=thread.id, actor_id=actor_id, case_id=case.id,
                priority=priority)
    return case


@transactional
def set_answer_target(actor, slug, hours: int | None) -> Category:
    """An administrator sets how long a category's threads may wait (None: the default)."""
    ensure(can_manage_categories, actor)
    if hours is not None and (isinstance(hours, bool) or not isinstance(hours, int)
                              or not 1 <= hours <= 24 * 365):
        raise ValidationFailed({"hours": ["must be a whole number of hours, 1 to 8760"]})
    category = db.session.scalar(select(Category).where(Category.slug == slug)
                                 .with_for_update())
    if category is None:
        raise NotFound(f"No category '{str(slug)[:64]}'.")
    category.answer_target_hours = hours
    return category


def stale_threads(default_hours: int, now=None, limit: int = 500) -> list[int]:
    """Open, unanswered, live threads past their category's answer target, with no case."""
    now = now or utcnow()
    categories = db.session.execute(select(Category.id, Category.answer_target_hours)).all()
    overdue = [and_(Thread.category_id == cid, Thread.created_at < now - timedelta(hours=hours))
               for cid, hours in ((c, h if h is not None else default_hours)
                                  for c, h in categories) if hours is not None and hours > 0]
    if not overdue:
        return []
    return list(db.session.scalars(
        select(Thread.id).where(or_(*overdue), Thread.status == "open",
                                Thread.answer_count == 0, Thread.is_deleted.is_(False),
                                ~select(Case.id).where(Case.thread_id == Thread.id).exists())
        .order_by(Thread.id).limit(limit)))


@transactional
def escalate_as_system(thread_id: int, reason: str, priority: str = "normal") -> Case | None:
    """Escalate without a person (`crm escalate-stale`); None when a case exists already."""
    thread = get_thread(thread_id, lock=True)
    if thread.is_deleted or db.session.scalar(
            select(Case.id).where(Case.thread_id == thread.id)) is not None:
        return None
    return _open_case(thread, None, reason, priority)


def case_for_thread(thread_id: int) -> Case | None:
    return db.session.scalar(select(Case).where(Case.thread_id == thread_id))


def _locked_case(case_id=None, ref=None) -> tuple[Case, Thread]:
    """A case and its thread, locked in the one order (the thread, then the case)."""
    where = Case.id == case_id if case_id is not None else Case.crm_ref == ref
    thread_id = db.session.scalar(select(Case.thread_id).where(where))
    if thread_id is None:
        raise NotFound(f"No case {ref or case_id}.")
    thread = get_thread(thread_id, lock=True)
    case = db.session.scalar(select(Case).where(where).with_for_update()
                             .execution_options(populate_existing=True))
    return case, thread


@transactional
def record_crm_ref(case_id: int, ref: str, status: str, connector: str) -> Case:
    """The relay created the case in the CRM: keep its ref (a retry finds it already kept)."""
    case, thread = _locked_case(case_id=case_id)
    if case.crm_ref == ref:
        return case
    case.crm_ref, case.connector, case.synced_at = ref, connector, utcnow()
    if case.status == "pending_sync":
        case.status = status if status in STATUSES_FROM_CRM else "open"
    touch(thread)
    events.emit(events.CASE_SYNCED, thread_id=thread.id, case_id=case.id, ref=ref,
                status=case.status)
    return case


@dataclass(frozen=True)
class CaseChange:
    """What the CRM says about one case, checked and rendered (before any transaction)."""

    case_ref: str
    status: str
    body: str = ""
    html: str = ""


def case_change(case_ref, status, resolution=None) -> CaseChange:
    if status not in STATUSES_FROM_CRM:
        raise ValidationFailed({"status": [f"must be one of {', '.join(STATUSES_FROM_CRM)}"]})
    body = clean_text(resolution)[:RESOLUTION_MAX_LENGTH] if isinstance(resolution, str) else ""
    return CaseChange(str(case_ref), status, body, render(body) if body else "")


@transactional
def apply_case_change(change: CaseChange, agent_username: str | None = None) -> Case:
    """The CRM says the case is now `status`; a resolution becomes a draft answer by the agent
    who escalated (else `agent_username`), edited in place when it changes. Idempotent."""
    case, thread = _locked_case(ref=change.case_ref)
    old, draft_id = case.status, case.resolution_post_id
    case.status, case.synced_at = change.status, utcnow()
    if change.body:
        draft_id = _write_resolution(case, thread, change.body, change.html, agent_username)
    if old != change.status or draft_id != case.resolution_post_id:
        case.resolution_post_id = draft_id
        touch(thread)
        events.emit(events.CASE_UPDATED, thread_id=thread.id, case_id=case.id,
                    status=change.status, old_status=old, draft_id=draft_id)
    return case


def _write_resolution(case, thread, body, html, agent_username) -> int | None:
    if case.resolution_post_id is not None:
        post = get_post(case.resolution_post_id, lock=True)
        if post.is_draft and not post.is_deleted and post.body != body:
            author = db.session.get(User, post.author_id)
            add_revision(author, post, body, html, reason="Updated case resolution from the CRM")
            events.emit(events.POST_EDITED, thread_id=thread.id, post_id=post.id,
                        actor_id=author.id, rev=post.revision_count)
        return post.id  # a published or deleted resolution is left as people made it
    author = db.session.get(User, case.escalated_by_id) if case.escalated_by_id else None
    if author is None and agent_username:
        author = db.session.scalar(select(User).where(User.username == agent_username))
    if author is None:
        log.warning("case %s: resolution dropped, no agent (set CRM_AGENT_USERNAME)", case.id)
        return None
    now = utcnow()
    post = Post(thread_id=thread.id, author_id=author.id, kind="answer", body=body,
                body_html=html, is_draft=True, created_at=now, updated_at=now)
    db.session.add(post)
    db.session.flush()
    db.session.add(Revision(post_id=post.id, rev=1, author_id=author.id, body=body,
                            created_at=now))
    events.emit(events.POST_CREATED, thread_id=thread.id, post_id=post.id, actor_id=author.id,
                is_draft=True)
    return post.id


@transactional
def publish_draft(actor, post_id) -> Post:
    """Staff make a draft answer (a case resolution) public: it counts as an answer from now."""
    post, thread = lock_post_and_thread(post_id, actor)
    ensure(can_publish_draft, actor, post, thread)
    now = utcnow()
    post.is_draft, post.updated_at = False, now
    thread.answer_count = _visible_answers(thread.id)
    thread.last_activity_at = now
    touch(thread)
    events.emit(events.POST_PUBLISHED, thread_id=thread.id, post_id=post.id, actor_id=actor.id)
    return post
