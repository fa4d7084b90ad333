"""Knowledge items follow solved threads: in-transaction receivers of accepts, un-accepts, edits,
deletes, restores and votes create, version, mark stale and retire them (the services that
emit those events know nothing of them), and emit the knowledge.* events the CRM follows;
`publish_imported` creates the items of threads an import solved, in bulk."""
from flask import current_app
from sqlalchemy import bindparam, event as sa_event, select
from sqlalchemy.orm import Session, aliased

from community import events
from community.imports.bulk import allocate_ids, insert_rows
from community.models import (Category, KnowledgeItem, KnowledgeVersion, Post, Revision, Tag,
                              Thread, User, thread_tags)
from core.database import built, db
from core.events import emit, on_emit
from core.time import utcnow
from core.transactions import transactional

_RETIRED_HERE = "commonplace.knowledge_retired_in_tx"
_CONTENT = ("title", "problem_html", "solution_html", "tags", "category", "contributors",
            "accepted_post_id")


def item_link_for_thread(thread_id: int):
    """The thread's item's id and slug, what a thread page links to (not its JSON columns)."""
    return db.session.execute(built("knowledge_link_for", lambda: (
        select(KnowledgeItem.id, KnowledgeItem.slug)
        .where(KnowledgeItem.thread_id == bindparam("thread_id")))),
        {"thread_id": thread_id}).first()


def item_for_thread(thread_id: int) -> KnowledgeItem | None:
    return db.session.scalar(select(KnowledgeItem).where(KnowledgeItem.thread_id == thread_id))


def _snapshot(thread: Thread, question: Post, answer: Post) -> dict:
    tags = db.session.scalars(select(Tag.name).join(thread_tags, thread_tags.c.tag_id == Tag.id)
                              .where(thread_tags.c.thread_id == thread.id).order_by(Tag.name))
    category = db.session.scalar(select(Category.name).where(Category.id == thread.category_id))
    return {"title": thread.title, "problem_html": question.body_html,
            "solution_html": answer.body_html, "tags": list(tags), "category": category,
            "contributors": _contributors(question, answer), "accepted_post_id": answer.id,
            "category_id": thread.category_id, "slug": thread.slug}


def _contributors(question: Post, answer: Post) -> list[str]:
    """The asker, the solver, then everyone who edited either post (by name)."""
    ids = [question.author_id, answer.author_id]
    editors = db.session.scalars(select(Revision.author_id).where(
        Revision.post_id.in_((question.id, answer.id))).distinct())
    ids += sorted(set(editors) - set(ids))
    names = dict(db.session.execute(select(User.id, User.username).where(User.id.in_(ids))).all())
    return list(dict.fromkeys(names[i] for i in ids if i in names))


def _emit(type_: str, item: KnowledgeItem) -> None:
    emit(type_, thread_id=item.thread_id, item_id=item.id, version=item.version)


def _solution(thread: Thread | None) -> tuple[Post, Post] | None:
    """(question, accepted answer) when the thread is live and solved by a live answer."""
    if thread is None or thread.is_deleted or not thread.accepted_answer_id:
        return None
    question = db.session.get(Post, thread.question_post_id)
    answer = db.session.get(Post, thread.accepted_answer_id)
    if question is None or answer is None or answer.is_deleted or answer.is_draft \
            or answer.thread_id != thread.id:
        return None
    return question, answer


def publish(thread_id: int, reason: str) -> KnowledgeItem | None:
    """Bring the thread's item in line with its solution: create it, add a version, republish."""
    thread = db.session.get(Thread, thread_id)
    solution = _solution(thread)
    if solution is None:
        return None
    snap, now = _snapshot(thread, *solution), utcnow()
    item = item_for_thread(thread_id)
    if item is None:
        item = KnowledgeItem(thread_id=thread_id, asker_id=thread.author_id, version=1,
                             status="published", created_at=now, updated_at=now, **snap)
        db.session.add(item)
        db.session.flush()
        _add_version(item, reason)
        _emit(events.KNOWLEDGE_PUBLISHED, item)
        return item
    changed = any(getattr(item, k) != snap[k] for k in _CONTENT)
    if changed:
        for key, value in snap.items():
            setattr(item, key, value)
        item.version += 1
        _add_version(item, reason)
    was = item.status
    if was == "retired" or (reason == "accepted" and was == "stale"):
        item.status, item.status_reason = "published", None
    if changed or item.status != was:
        item.updated_at = now
        retired_here = item.id in db.session.info.get(_RETIRED_HERE, set())
        republished = was == "retired" and not retired_here
        _emit(events.KNOWLEDGE_PUBLISHED if republished else events.KNOWLEDGE_UPDATED, item)
    return item


def _add_version(item: KnowledgeItem, reason: str) -> None:
    db.session.add(KnowledgeVersion(item_id=item.id, version=item.version, reason=reason,
                                    created_at=utcnow(),
                                    **{k: getattr(item, k) for k in _CONTENT}))


def retire(thread_id: int, reason: str) -> None:
    item = item_for_thread(thread_id)
    if item is None or item.status == "retired":
        return
    item.status, item.status_reason, item.updated_at = "retired", reason, utcnow()
    # Accepting another answer un-accepts the old one first, in the same transaction: that
    # is an update of the item, not a retirement and a new publication.
    db.session.info.setdefault(_RETIRED_HERE, set()).add(item.id)
    _emit(events.KNOWLEDGE_RETIRED, item)


def publish_imported(solved: list[tuple[int, int]]) -> int:
    """Items (version 1, reason "imported") for threads an import solved, given as (thread id,
    accepted post id), in the caller's transaction: four reads and two bulk inserts a batch.
    No knowledge.* events: an archive's items are not news for the CRM (their askers are
    placeholder accounts); a later edit or accept of one goes through the receivers above."""
    wanted = dict(solved)
    if not wanted:
        return 0
    question, answer = aliased(Post), aliased(Post)
    found = db.session.execute(
        select(Thread.id, Thread.title, Thread.slug, Thread.category_id, Thread.author_id,
               question.body_html.label("problem"), answer.id.label("answer_id"),
               answer.body_html.label("solution"), answer.author_id.label("solver_id"),
               answer.created_at.label("solved_at"))
        .join(question, question.id == Thread.question_post_id)
        .join(answer, answer.id == Thread.accepted_answer_id)
        .outerjoin(KnowledgeItem, KnowledgeItem.thread_id == Thread.id)
        .where(Thread.id.in_(sorted(wanted)), Thread.is_deleted.is_(False),
               answer.is_deleted.is_(False), answer.is_draft.is_(False),
               KnowledgeItem.id.is_(None)).order_by(Thread.id)).all()
    found = [r for r in found if wanted[r.id] == r.answer_id]
    if not found:
        return 0
    ids = [r.id for r in found]
    tags: dict[int, list[str]] = {}
    for thread_id, name in db.session.execute(
            select(thread_tags.c.thread_id, Tag.name).join(Tag, Tag.id == thread_tags.c.tag_id)
            .where(thread_tags.c.thread_id.in_(ids)).order_by(Tag.name)):
        tags.setdefault(thread_id, []).append(name)
    categories = dict(db.session.execute(select(Category.id, Category.name).where(
        Category.id.in_({r.category_id for r in found}))).all())
    names = dict(db.session.execute(select(User.id, User.username).where(
        User.id.in_({r.author_id for r in found} | {r.solver_id for r in found}))).all())
    now, items, versions = utcnow(), [], []
    for item_id, version_id, r in zip(allocate_ids(KnowledgeItem.__table__, len(found)),
                                      allocate_ids(KnowledgeVersion.__table__, len(found)), found):
        content = {"title": r.title, "problem_html": r.problem, "solution_html": r.solution,
                   "tags": tags.get(r.id, []), "category": categories.get(r.category_id, ""),
                   "contributors": list(dict.fromkeys(
                       names[i] for i in (r.author_id, r.solver_id) if i in names)),
                   "accepted_post_id": r.answer_id}
        at = r.solved_at or now
        items.append({"id": item_id, "thread_id": r.id, "category_id": r.category_id,
                      "asker_id": r.author_id, "version": 1, "status": "published",
                      "status_reason": None, "slug": r.slug, "created_at": at,
                      "updated_at": at, **content})
        versions.append({"id": version_id, "item_id": item_id, "version": 1,
                         "reason": "imported", "created_at": at, **content})
    insert_rows(KnowledgeItem.__table__, items)
    insert_rows(KnowledgeVersion.__table__, versions)
    return len(items)


@transactional
def backfill(after_id: int = 0, limit: int = 2000) -> tuple[int, int | None]:
    """Items for up to `limit` solved threads past `after_id` that have none (threads imported
    before imports made them): (items made, the last thread id looked at, None when done)."""
    solved = db.session.execute(
        select(Thread.id, Thread.accepted_answer_id)
        .outerjoin(KnowledgeItem, KnowledgeItem.thread_id == Thread.id)
        .where(Thread.id > after_id, Thread.accepted_answer_id.is_not(None),
               Thread.is_deleted.is_(False), KnowledgeItem.id.is_(None))
        .order_by(Thread.id).limit(limit)).all()
    if not solved:
        return 0, None
    return publish_imported([tuple(r) for r in solved]), solved[-1][0]


@on_emit(events.ANSWER_ACCEPTED)
def _on_accept(event) -> None:
    publish(event.thread_id, "accepted")


@on_emit(events.ANSWER_UNACCEPTED)
def _on_unaccept(event) -> None:
    retire(event.thread_id, "The accepted answer was withdrawn.")


@on_emit(events.POST_EDITED, events.THREAD_EDITED)
def _on_edit(event) -> None:
    item = item_for_thread(event.thread_id)
    if item is None or item.status == "retired":
        return
    # Only the question (title, body, tags, category) and the accepted answer are the article.
    thread = db.session.get(Thread, event.thread_id)
    if event.type == events.THREAD_EDITED or event.post_id in (thread.question_post_id,
                                                              item.accepted_post_id):
        publish(event.thread_id, "edited")


@on_emit(events.POST_DELETED)
def _on_delete(event) -> None:
    if event.data.get("kind") == "question":
        retire(event.thread_id, "The thread was deleted.")


@on_emit(events.POST_RESTORED)
def _on_restore(event) -> None:
    if event.data.get("kind") == "question" and item_for_thread(event.thread_id) is not None:
        publish(event.thread_id, "restored")


@on_emit(events.VOTE_CAST)
def _on_vote(event) -> None:
    if event.data.get("kind") != "answer":
        return
    item = item_for_thread(event.thread_id)
    if item is None or item.status != "published" or not item.accepted_post_id:
        return
    accepted = db.session.get(Post, item.accepted_post_id)
    best = db.session.execute(
        select(Post.id, Post.score).where(Post.thread_id == event.thread_id,
                                          Post.kind == "answer", Post.id != accepted.id,
                                          Post.is_deleted.is_(False), Post.is_draft.is_(False))
        .order_by(Post.score.desc(), Post.id).limit(1)).first()
    margin = current_app.config["KNOWLEDGE_STALE_MARGIN"]
    if best is not None and best.score >= accepted.score + margin:
        item.status, item.updated_at = "stale", utcnow()
        item.status_reason = (f"Answer {best.id} scores {best.score}, the accepted one "
                              f"{accepted.score}.")
        _emit(events.KNOWLEDGE_STALE, item)


@sa_event.listens_for(Session, "after_commit")
@sa_event.listens_for(Session, "after_rollback")
def _forget(session) -> None:
    session.info.pop(_RETIRED_HERE, None)
