"""Imported content, a batch per transaction with SQLAlchemy Core executemany: questions become
threads (scores as given, tags, credit), answers become posts (accepted ones solve their thread),
duplicate links become ThreadLinks. Each batch writes one `import.batch` event."""
from flask import current_app
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from community import events, knowledge
from community.imports.bulk import allocate_ids, insert_rows
from community.imports.people import author_ids
from community.imports.run import ImportRun, LinkRow, PostRow, record_sources
from community.models import Post, Revision, Tag, Thread, ThreadLink, thread_tags, utcnow
from community.services.threads import bump_category
from community.validation import clean_text, is_valid_tag, make_slug
from core.database import MAX_ID, db
from core.transactions import transactional

THREADS, POSTS, REVISIONS = Thread.__table__, Post.__table__, Revision.__table__
MAX_RAW_TAGS = 50  # an absurd tag string is cut here before any tag is looked at


def _fresh(run: ImportRun, rows: list[PostRow], known: dict) -> list[PostRow]:
    """Rows not imported before and not repeated within the batch."""
    seen, fresh = set(), []
    for row in rows:
        if row.external_id in known:
            run.counts[f"{row.kind}s already imported"] += 1
        elif row.external_id in seen:
            run.skip(f"{row.kind} repeating an id in the dump")
        else:
            seen.add(row.external_id)
            fresh.append(row)
    return fresh


def _tags(run: ImportRun, raw: list[str]) -> list[str]:
    tags = []
    for name in raw[:MAX_RAW_TAGS]:
        tag = clean_text(name, single_line=True).lower().replace(" ", "-")
        if not is_valid_tag(tag):
            run.skip("tag that breaks the tag rules")
        elif tag not in tags:
            tags.append(tag)
    limit = current_app.config["MAX_TAGS"]
    if len(tags) > limit:
        run.skip("tag beyond the per-thread limit", len(tags) - limit)
    return tags[:limit]


def _tag_ids(run: ImportRun, names: set[str]) -> None:
    missing = sorted(names - set(run.tag_ids))
    if not missing:
        return
    dialect = db.session.get_bind().dialect.name
    insert_ = pg_insert if dialect == "postgresql" else sqlite_insert
    db.session.execute(insert_(Tag.__table__).on_conflict_do_nothing(index_elements=["name"]),
                       [{"name": n} for n in missing])
    run.tag_ids.update(db.session.execute(select(Tag.name, Tag.id).where(Tag.name.in_(missing))).all())


def _credit(run: ImportRun, row: PostRow) -> dict:
    site = run.site
    author_url = f"{site.url}/users/{row.owner_id}" if row.owner_id is not None else None
    return {"source_site": site.name[:120], "source_url": f"{site.url}/q/{row.external_id}",
            "source_author": (row.owner_name or None) and row.owner_name[:120],
            "source_author_url": author_url, "source_license": (row.license or site.license)[:40]}


def _clamp(number: int, low: int = -MAX_ID) -> int:
    return max(low, min(number, MAX_ID))


def _thread_values(run: ImportRun, row: PostRow, author: int, thread_id: int, post_id: int,
                   now) -> dict:
    return {"id": thread_id, "category_id": run.category_id, "author_id": author,
            "title": row.title, "slug": make_slug(row.title), "status": "open",
            "question_post_id": post_id, "accepted_answer_id": None, "score": _clamp(row.score),
            "view_count": _clamp(row.view_count, 0), "answer_count": 0, "is_deleted": False,
            "is_locked": False, "version": 1, "created_at": row.created_at or now,
            "updated_at": row.updated_at or row.created_at or now,
            "last_activity_at": row.last_activity_at or row.created_at or now,
            **_credit(run, row)}


def _import_questions(run: ImportRun, rows: list[PostRow]) -> list[int]:
    for row in rows:  # already imported: its accepted answer may still be to come
        if row.external_id in run.threads and row.accepted_id \
                and row.accepted_id not in run.posts:
            run.accepts[row.accepted_id] = row.external_id
    fresh = []
    for row in _fresh(run, rows, run.threads):
        row.title = clean_text(row.title, single_line=True)[:200]
        if row.title:
            fresh.append(row)
        else:
            run.skip("question without a title")
    if not fresh:
        return []
    now, authors = utcnow(), author_ids(run, fresh)
    tags = [_tags(run, row.tags) for row in fresh]
    thread_ids = allocate_ids(THREADS, len(fresh))
    post_ids = allocate_ids(POSTS, len(fresh))
    insert_rows(THREADS, [_thread_values(run, *values, now)
                          for values in zip(fresh, authors, thread_ids, post_ids)])
    _insert_posts(run, fresh, post_ids, thread_ids, authors, [False] * len(fresh), tags, now)
    _tag_ids(run, {t for names in tags for t in names})
    insert_rows(thread_tags, [{"thread_id": t, "tag_id": run.tag_ids[n]}
                              for t, names in zip(thread_ids, tags) for n in names])
    record_sources(run, "thread", [(r.external_id, t) for r, t in zip(fresh, thread_ids)])
    record_sources(run, "post", [(r.external_id, p) for r, p in zip(fresh, post_ids)])
    for row in fresh:
        if row.accepted_id:
            run.accepts[row.accepted_id] = row.external_id
    bump_category(run.category_id, len(fresh))
    run.new_thread_ids.extend(thread_ids)
    run.counts["threads imported"] += len(fresh)
    return thread_ids


def _insert_posts(run, rows, post_ids, thread_ids, authors, accepted, tags, now) -> None:
    cut = sum(1 for row in rows if row.cut_from)
    if cut:
        run.counts["posts cut to the body limit (a note says so)"] += cut
    insert_rows(POSTS, [
        {"id": p, "thread_id": t, "author_id": a, "kind": row.kind, "body": row.body,
         "body_html": row.body_html, "score": _clamp(row.score), "is_accepted": ok,
         "is_draft": False, "is_deleted": False, "deleted_at": None, "revision_count": 1,
         "created_at": row.created_at or now, "updated_at": row.updated_at or row.created_at or now}
        for row, p, t, a, ok in zip(rows, post_ids, thread_ids, authors, accepted)])
    revision_ids = allocate_ids(REVISIONS, len(rows))
    insert_rows(REVISIONS, [
        {"id": r, "post_id": p, "rev": 1, "author_id": a, "body": row.body,
         "title": row.title if row.kind == "question" else None,
         "tags": " ".join(names) if row.kind == "question" else None,
         "reason": None, "created_at": row.created_at or now}
        for row, r, p, a, names in zip(rows, revision_ids, post_ids, authors, tags)])


def _import_answers(run: ImportRun, rows: list[PostRow]) -> set[int]:
    fresh = []
    for row in _fresh(run, rows, run.posts):
        if row.parent_id in run.threads:
            fresh.append(row)
        else:
            run.skip("answer whose question is absent")
    if not fresh:
        return set()
    now, authors = utcnow(), author_ids(run, fresh)
    thread_ids = [run.threads[row.parent_id] for row in fresh]
    accepted = [run.accepts.get(row.external_id) == row.parent_id for row in fresh]
    post_ids = allocate_ids(POSTS, len(fresh))
    _insert_posts(run, fresh, post_ids, thread_ids, authors, accepted, [[]] * len(fresh), now)
    record_sources(run, "post", [(r.external_id, p) for r, p in zip(fresh, post_ids)])
    solved = [{"b_id": t, "b_post": p} for t, p, ok in zip(thread_ids, post_ids, accepted) if ok]
    if solved:
        db.session.execute(update(THREADS).where(THREADS.c.id == bindparam("b_id"))
                           .values(accepted_answer_id=bindparam("b_post"), status="solved"),
                           solved)
        run.counts["knowledge items"] += knowledge.publish_imported(
            [(s["b_id"], s["b_post"]) for s in solved])
    for row, ok in zip(fresh, accepted):
        if ok:
            run.accepts.pop(row.external_id)
    touched = sorted(set(thread_ids))
    answers = (select(func.count()).select_from(POSTS)
               .where(POSTS.c.thread_id == THREADS.c.id, POSTS.c.kind == "answer",
                      POSTS.c.is_deleted.is_(False), POSTS.c.is_draft.is_(False))
               .scalar_subquery())
    db.session.execute(update(THREADS).where(THREADS.c.id.in_(touched))
                       .values(answer_count=answers, version=THREADS.c.version + 1))
    run.counts["answers imported"] += len(fresh)
    run.counts["accepted answers"] += len(solved)
    return set(touched)


@transactional
def import_posts(run: ImportRun, rows: list[PostRow]) -> list[int]:
    """Import a batch of posts (questions first, then answers); returns the threads touched."""
    questions = [r for r in rows if r.kind == "question"]
    answers = [r for r in rows if r.kind == "answer"]
    touched = set(_import_questions(run, questions)) | _import_answers(run, answers)
    if touched:
        events.emit(events.IMPORT_BATCH, site=run.site.key, thread_ids=sorted(touched))
    return sorted(touched)


@transactional
def import_links(run: ImportRun, rows: list[LinkRow]) -> int:
    """Keep the dump's duplicate links whose two questions were both imported."""
    pairs = set()
    for row in rows:
        source, target = run.threads.get(row.external_id), run.threads.get(row.target_id)
        if source is None or target is None:
            run.skip("duplicate link to a question absent from the dump")
        elif source == target:
            run.skip("duplicate link from a question to itself")
        else:
            pairs.add((source, target))
    existing = set(db.session.execute(
        select(ThreadLink.thread_id, ThreadLink.target_id)
        .where(ThreadLink.kind == "duplicate",
               ThreadLink.thread_id.in_(sorted({s for s, _ in pairs}))))) if pairs else set()
    new = sorted(pairs - existing)
    run.counts["duplicate links already imported"] += len(pairs) - len(new)
    if not new:
        return 0
    now = utcnow()
    links = ThreadLink.__table__
    insert_rows(links, [{"id": i, "thread_id": s, "target_id": t, "kind": "duplicate",
                         "created_by_id": None, "created_at": now}
                        for i, (s, t) in zip(allocate_ids(links, len(new)), new)])
    events.emit(events.IMPORT_BATCH, site=run.site.key,
                thread_ids=sorted({t for pair in new for t in pair}))
    run.counts["duplicate links"] += len(new)
    return len(new)
