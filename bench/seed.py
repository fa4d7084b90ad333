"""A fresh benchmark instance: `flask db upgrade`, then people, categories and one 20-answer
thread through the service functions, and the remaining threads bulk-inserted (bench.bulk).
"""
import random
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from core.database import db
from app.factory import create_app
from bench import bulk, content
from community import services
from community.models import Category, Post, Thread
from core.transactions import transactional
from reputation import ledger

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-password"
MEMBERS = 12
ANSWERS = 20
ACCEPTED = 3  # the index of the answer the asker accepts
SIGNED_IN_USER_ID = 2  # the asker (after admin): the signed-in reader of the bench


@dataclass
class Seeded:
    thread_path: str        # URL path of the 20-answer thread
    threads: int
    services_seconds: float
    bulk_seconds: float


def _flask(env: dict, *args: str, timeout: int) -> float:
    """Run `flask --app wsgi ARGS` against the instance named in `env`; returns its seconds."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return time.perf_counter() - started


def migrate(env: dict) -> float:
    """Run the real `flask --app wsgi db upgrade` against the instance named in `env`."""
    return _flask(env, "db", "upgrade", timeout=300)


def catch_up(env: dict) -> float:
    """Run every event-log consumer (search index, embeddings, badges) over the seeded events, as
    `flask events run` does, so the measured servers are in their steady state, not catching up."""
    return _flask(env, "events", "run", timeout=1800)


def _people():
    admin = services.register_user("admin", "admin@example.com", PASSWORD, "admin")
    members = [services.register_user(f"member{i:02d}", f"member{i:02d}@example.com", PASSWORD)
               for i in range(1, MEMBERS + 1)]
    for member in members:  # enough to vote down under the `small` preset (50)
        _opening_balance(member.id, 99)
    return admin, members


@transactional
def _opening_balance(user_id: int, delta: int) -> None:
    ledger.grant(user_id, delta, "bonus", f"seed:{user_id}")


def _categories(admin) -> list:
    return [services.create_category(admin, name, description=text, position=i)
            for i, (name, text) in enumerate(content.CATEGORIES)]


def _vote_on(members, post, votes: int, downvote: bool) -> None:
    voters = [m for m in members if m.id != post.author_id]
    for voter in voters[:votes]:
        services.cast_vote(voter, post.id, 1)
    if downvote:
        services.cast_vote(voters[-1], post.id, -1)


def _answered_thread(members, category):
    """The benchmarked page: a question with 20 answers from 11 people, votes, one accepted."""
    rng = random.Random(20)
    asker, answerers = members[0], members[1:]
    assert asker.id == SIGNED_IN_USER_ID
    thread = services.create_thread(asker, "Webhook deliveries fail with a 401 after rotating "
                                    "the signing secret", content.body(rng, 3), category.slug,
                                    ["webhooks", "api", "security"])
    posts = [services.create_answer(answerers[k % len(answerers)], thread.id, content.answer(rng))
             for k in range(ANSWERS)]
    for k, post in enumerate(posts):
        _vote_on(members, post, votes=(k * 7) % 5, downvote=k % 6 == 5)
    _vote_on_question(members, thread)
    services.accept_answer(asker, thread.id, posts[ACCEPTED].id)
    return thread


def _vote_on_question(members, thread) -> None:
    for voter in members[1:4]:
        services.cast_vote(voter, thread.question_post_id, 1)


def _check(expected_threads: int, thread_id: int) -> None:
    """Fail loudly if the seeded data is not what the benchmark claims to measure."""
    threads = db.session.scalar(select(func.count(Thread.id)))
    counted = db.session.scalar(select(func.sum(Category.thread_count)))
    answers, answerers = db.session.execute(
        select(func.count(Post.id), func.count(func.distinct(Post.author_id)))
        .where(Post.thread_id == thread_id, Post.kind == "answer")).one()
    thread = db.session.get(Thread, thread_id)
    problems = []
    if threads != expected_threads:
        problems.append(f"{threads} threads, expected {expected_threads}")
    if counted != threads:
        problems.append(f"category thread counts add up to {counted}, not {threads}")
    if answers != ANSWERS or thread.answer_count != ANSWERS or answerers < 5:
        problems.append(f"{answers} answers from {answerers} people (count {thread.answer_count})")
    if thread.accepted_answer_id is None:
        problems.append("no accepted answer")
    if problems:
        raise RuntimeError("seeded data is wrong: " + "; ".join(problems))


def seed(instance: Path, threads: int) -> Seeded:
    """Seed `threads` threads (at least 1) into the migrated instance; returns what was made."""
    app = create_app({"INSTANCE_PATH": str(instance), "REDIS_URL": None,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'commonplace.db'}"})
    with app.app_context():
        started = time.perf_counter()
        admin, members = _people()
        categories = _categories(admin)
        people_seconds = time.perf_counter() - started
        started = time.perf_counter()
        bulk.bulk_threads(threads - 1, [m.id for m in members], [c.id for c in categories])
        bulk_seconds = time.perf_counter() - started
        started = time.perf_counter()
        thread = _answered_thread(members, categories[2])
        services_seconds = people_seconds + time.perf_counter() - started
        _check(threads, thread.id)
        path = f"/t/{thread.id}/{thread.slug}"
        db.session.remove()
        db.engine.dispose()
    return Seeded(path, threads, services_seconds, bulk_seconds)
