"""The demo community `make run` starts with, written through the service functions from the
data in app/demo_data.py: categories, one user of each role, threads, answers, votes, edits."""
from sqlalchemy import func, select

from core.database import db
from core.transactions import transactional
from app.demo_data import CATEGORIES, PASSWORD, PEOPLE, THREADS, Edit
from community import services
from community.models import Category, User


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
    return True


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
