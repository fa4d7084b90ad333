"""A synthetic corpus for the search benches: threads of realistic length (title ~10 words,
question ~150, a few answers) over a Zipf vocabulary, bulk-inserted into a migrated instance.
Other search benches (bench/search_semantic.py, bench/search_quality.py) may reuse `instance()`.
"""
import html
import random
from contextlib import contextmanager
from datetime import timedelta
from itertools import accumulate
from pathlib import Path

from sqlalchemy import func, insert, select

from app.factory import create_app
from community import services
from community.models import Post, Tag, Thread, thread_tags, utcnow
from core.database import db

VOCABULARY = 30_000
ZIPF_S = 1.07
BATCH = 2000
_SYLLABLES = [c + v for c in "bcdfghjklmnprstvwz" for v in ("a", "e", "i", "o", "u", "ai", "ou")]


class Corpus:
    """Words ranked by frequency; `words(n)` draws n of them as a Zipf law says."""

    def __init__(self, seed: int = 7, size: int = VOCABULARY):
        rng = random.Random(seed)
        seen: dict[str, None] = {}
        while len(seen) < size:
            seen.setdefault("".join(rng.choices(_SYLLABLES, k=rng.choice((1, 2, 2, 3, 3, 4)))))
        self.vocabulary = list(seen)
        self.rank = {word: n for n, word in enumerate(self.vocabulary)}
        self.cumulative = list(accumulate(1 / rank ** ZIPF_S for rank in range(1, size + 1)))
        self.rng = rng

    def words(self, n: int) -> list[str]:
        return self.rng.choices(self.vocabulary, cum_weights=self.cumulative, k=n)

    def text(self, mean: int) -> str:
        return " ".join(self.words(max(3, int(self.rng.gauss(mean, mean / 4)))))

    def query(self) -> str:
        """1-3 words as people type them: drawn by frequency, skipping the 30 most common."""
        picked = []
        while len(picked) < self.rng.choice((1, 2, 2, 3)):
            word = self.words(1)[0]
            if self.rank[word] >= 30:
                picked.append(word)
        return " ".join(picked)


def _config(instance: Path, database_url: str | None) -> dict:
    return {"INSTANCE_PATH": str(instance), "REDIS_URL": None, "RATELIMIT_ENABLED": False,
            "SQLALCHEMY_DATABASE_URI": database_url or f"sqlite:///{instance / 'commonplace.db'}",
            "COUNTER_FLUSH_SECONDS": 0, "CONSUMERS_IN_PROCESS_SECONDS": 0,
            "PASSWORD_HASH_TIME_COST": 1, "PASSWORD_HASH_MEMORY_COST": 8,
            "PASSWORD_HASH_PARALLELISM": 1}


def make_app(instance: Path, database_url: str | None = None, **config):
    return create_app({**_config(instance, database_url), **config})


@contextmanager
def instance(folder: Path, threads: int, database_url: str | None = None, seed: int = 7):
    """An app on a freshly migrated instance holding `threads` synthetic threads (in context)."""
    from flask_migrate import upgrade
    app = make_app(folder, database_url)
    with app.app_context():
        if database_url:
            with db.engine.begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        upgrade()
        seed_threads(threads, Corpus(seed))
        yield app
        db.session.remove()
        db.engine.dispose()


def seed_threads(count: int, corpus: Corpus) -> None:
    admin = services.register_user("admin", "admin@example.com", "bench-password", "admin")
    people = [services.register_user(f"member{i}", f"member{i}@example.com", "bench-password").id
              for i in range(20)]
    categories = [services.create_category(admin, f"Area {i}", f"area-{i}").id for i in range(8)]
    with db.engine.begin() as conn:
        conn.execute(insert(Tag.__table__), [{"name": f"tag-{w}"[:35]}
                                             for w in corpus.vocabulary[100:300]])
        tags = list(conn.execute(select(Tag.id)).scalars())
    start = utcnow() - timedelta(minutes=count + 1)
    for first in range(0, count, BATCH):
        _batch(corpus, range(first, min(first + BATCH, count)), people, categories, tags, start)
        if (first + BATCH) % 20_000 == 0 or first + BATCH >= count:
            print(f"  seeded {min(first + BATCH, count)}/{count} threads", flush=True)


def _batch(corpus, numbers, people, categories, tags, start) -> None:
    rng = corpus.rng
    with db.engine.begin() as conn:
        thread_id = (conn.scalar(select(func.max(Thread.id))) or 0) + 1
        post_id = (conn.scalar(select(func.max(Post.id))) or 0) + 1
        threads, posts, links = [], [], []
        for offset, n in enumerate(numbers):
            tid, when, answers = thread_id + offset, start + timedelta(minutes=n), rng.randint(0, 4)
            title = corpus.text(10).capitalize()[:200]
            threads.append(dict(id=tid, category_id=categories[n % len(categories)],
                                author_id=people[n % len(people)], title=title, slug="t",
                                status="solved" if answers and rng.random() < .4 else "open",
                                question_post_id=post_id, score=rng.randint(-2, 30),
                                answer_count=answers, created_at=when, updated_at=when,
                                last_activity_at=when))
            for k in range(answers + 1):
                body = corpus.text(150 if k == 0 else 60)
                posts.append(dict(id=post_id, thread_id=tid, author_id=people[(n + k) % 20],
                                  kind="question" if k == 0 else "answer", body=body,
                                  body_html=f"<p>{html.escape(body)}</p>", created_at=when,
                                  updated_at=when))
                post_id += 1
            links += [dict(thread_id=tid, tag_id=t) for t in rng.sample(tags, rng.randint(1, 3))]
        for table, rows in ((Thread.__table__, threads), (Post.__table__, posts),
                            (thread_tags, links)):
            conn.execute(insert(table), rows)
