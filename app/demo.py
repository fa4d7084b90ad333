"""The demo community `make run` starts with, written through the service functions from the
data in app/demo_data.py: categories, one user of each role, threads, answers, votes, edits,
super-users, an escalated case and "this solved my problem" marks; then dated over weeks."""
from datetime import timedelta

from sqlalchemy import func, select, update

from core.database import db
from core.transactions import transactional
from app.demo_data import CATEGORIES, PASSWORD, PEOPLE, THREADS, Edit
from community import services
from community.deflections import mark_helpful
from community.models import (ANONYMOUS, Case, Category, KnowledgeItem, KnowledgeVersion, Post, Revision,
                              Thread, User)
from core.time import utcnow
from reputation.super_users import set_super_user

SUPER_USERS = ("grace", "linus")
ESCALATED = "Card declined on renewal, but the bank says nothing was blocked"
SPREAD_DAYS = 56  # the first question eight weeks ago, the last one today


@transactional
def seed_demo_community() -> bool:
    """Create the demo data; False (and nothing written) if the database already has users.

    One transaction (the service calls join it): the demo is written whole or not at all, and
    one commit instead of two hundred keeps `make run` quick."""
    if db.session.scalar(select(func.count(User.id))):
        return False
    people = {name: services.register_user(name, f"{name}@example.com", PASSWORD, role)
              for name, role in PEOPLE}
    for person in people.values():
        services.mark_email_confirmed(person.id)
    admin = people["admin"]
    for position, (name, description) in enumerate(CATEGORIES):
        services.create_category(admin, name, description=description, position=position)
    slugs = {c.name: c.slug for c in db.session.scalars(select(Category))}
    for question in THREADS:
        _seed_thread(people, slugs[question.category], question)
    for name in SUPER_USERS:
        set_super_user(people["mod"], people[name].id, True,
                       "Months of accepted answers, always kind to newcomers.")
    _escalate(people["agent"])
    _mark_helpful()
    _spread_over_weeks()
    return True


def _escalate(agent) -> None:
    thread_id = db.session.scalar(select(Thread.id).where(Thread.title == ESCALATED))
    services.escalate(agent, thread_id, "Renewal keeps failing at the card network; the customer "
                      "needs the plan kept active while billing looks at it.", "high")


def _mark_helpful() -> None:
    """Readers who found their answer: more on the older solved threads, none on the newest."""
    solved = db.session.scalars(select(Thread).where(Thread.status == "solved")
                                .order_by(Thread.id)).all()
    for n, thread in enumerate(solved):
        for visitor in range((len(solved) - n) * 3 % 11):
            mark_helpful(ANONYMOUS, thread.id, f"a:demo-{thread.id}-{visitor}")


def _spread_over_weeks() -> None:
    """Date the threads over SPREAD_DAYS days, each answer some hours after its question, and
    give them view counts. Written directly: no service changes when a thing happened."""
    now = utcnow()
    threads = db.session.scalars(select(Thread).order_by(Thread.id)).all()
    step = timedelta(days=SPREAD_DAYS) / max(1, len(threads))
    for n, thread in enumerate(threads):
        asked = now - step * (len(threads) - n) + timedelta(hours=n * 7 % 11)
        posts = db.session.scalars(select(Post).where(Post.thread_id == thread.id)
                                   .order_by(Post.id)).all()
        last = asked
        for k, post in enumerate(posts):
            when = asked + timedelta(hours=k * (3 + n % 5), minutes=k * (n * 13 % 60))
            last = max(last, when)
            for table, column in ((Post, Post.id), (Revision, Revision.post_id)):
                db.session.execute(update(table).where(column == post.id)
                                   .values(created_at=when))
        thread.created_at, thread.last_activity_at = asked, last
        thread.view_count = 40 + (n * 97) % 900 + 60 * thread.answer_count + \
            25 * thread.helpful_count
        db.session.execute(update(KnowledgeItem).where(KnowledgeItem.thread_id == thread.id)
                           .values(created_at=last, updated_at=last))
        db.session.execute(update(KnowledgeVersion).where(KnowledgeVersion.item_id.in_(
            select(KnowledgeItem.id).where(KnowledgeItem.thread_id == thread.id)))
            .values(created_at=last))
        db.session.execute(update(Case).where(Case.thread_id == thread.id)
                           .values(created_at=last + timedelta(hours=2)))


def _seed_thread(people: dict, category_slug: str, q) -> None:
    asker = people[q.by]
    thread = services.create_thread(asker, q.title, q.body, category_slug, list(q.tags))
    thread_id, question_post_id = thread.id, thread.question_post_id
    _vote(people, q.by, question_post_id, q.votes)
    for a in q.answers:
        post_id = services.create_answer(people[a.by], thread_id, a.body).id
        _vote(people, a.by, post_id, a.votes)
        if a.accepted:
            services.accept_answer(people[q.accepted_by or q.by], thread_id, post_id)
        if a.edit:
            services.edit_post(people[a.by], post_id, a.body + a.edit.append,
                               reason=a.edit.reason)
    if q.edit:
        _edit_question(asker, thread_id, q, q.edit)


def _edit_question(asker, thread_id: int, q, edit: Edit) -> None:
    services.edit_thread(asker, thread_id, title=edit.title or q.title,
                         body=q.body + edit.append, tags=list(edit.tags or q.tags),
                         reason=edit.reason)


def _vote(people: dict, author: str, post_id: int, votes: int) -> None:
    """`votes` up (or down, when negative) votes, each from a different user than the author."""
    voters = [user for name, user in people.items() if name != author][:abs(votes)]
    for voter in voters:
        services.cast_vote(voter, post_id, 1 if votes > 0 else -1)
