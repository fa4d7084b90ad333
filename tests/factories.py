"""Test data made through the real service functions (no fixtures that bypass the domain)."""
import itertools

from core.database import db
from core.transactions import transactional
from reputation import ledger
from community import services
from community.models import Category, User

PASSWORD = "password123"
_seq = itertools.count(1)


def user(role: str = "member", username: str | None = None) -> User:
    n = next(_seq)
    name = username or f"user{n}"
    return services.register_user(name, f"{name}@example.com", PASSWORD, role)


def admin() -> User:
    return user("admin")


def category(name: str | None = None, slug: str | None = None) -> Category:
    boss = db.session.scalar(db.select(User).where(User.role == "admin")) or admin()
    return services.create_category(boss, name or f"Category {next(_seq)}", slug)


def thread(author=None, category_=None, title=None, body="A question body long enough.",
           tags=None):
    author = author or user()
    category_ = category_ or category()
    return services.create_thread(author, title or f"Question number {next(_seq)} about things",
                                  body, category_.slug, tags or [])


def answer(thread_, author=None, body="An answer body long enough."):
    return services.create_answer(author or user(), thread_.id, body)


def solved_thread():
    """A thread whose asker voted its one answer up and accepted it: (asker, answerer, thread, answer)."""
    asker, answerer = user(), user()
    thread_ = thread(asker)
    answer_ = answer(thread_, answerer)
    services.cast_vote(asker, answer_.id, 1)
    services.accept_answer(asker, thread_.id, answer_.id)
    return asker, answerer, thread_, answer_


@transactional
def _grant(user_id: int, delta: int) -> None:
    ledger.grant(user_id, delta, "bonus", f"test:{user_id}")


def reputable(user_: User, total: int) -> User:
    """Bring the user's reputation up to `total` through the ledger (one row, as an import
    writes), so privileges that need reputation are earned the way the totals say."""
    if total > user_.reputation:
        _grant(user_.id, total - user_.reputation)
        db.session.refresh(user_)
    return user_


def member_with(privilege_name: str, role: str = "member") -> User:
    """A fresh member with just the reputation the privilege needs under the current preset."""
    from flask import current_app
    return reputable(user(role), current_app.config["REPUTATION_PRIVILEGES"][privilege_name])
