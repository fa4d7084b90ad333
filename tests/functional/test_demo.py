"""The demo community: lived in (30+ threads in every category, solved, open, unanswered and
edited ones, votes), written through the services, and only ever into an empty database."""
from sqlalchemy import func, select

from app.demo import seed_demo_community
from app.demo_data import PASSWORD, PEOPLE
from core.database import db
from community.models import Category, Post, Revision, Thread, User, Vote
from reputation.models import ReputationEvent
from tests import factories


def _scalar(query):
    return db.session.scalar(query)


def test_demo_community_looks_lived_in(app, client):
    assert seed_demo_community() is True
    threads = db.session.scalars(select(Thread)).all()
    assert len(threads) >= 30
    categories = db.session.scalars(select(Category)).all()
    assert len(categories) >= 5 and all(c.thread_count >= 1 for c in categories)
    assert {c.id for c in categories} == {t.category_id for t in threads}
    solved = [t for t in threads if t.status == "solved"]
    open_answered = [t for t in threads if t.status == "open" and t.answer_count]
    unanswered = [t for t in threads if t.answer_count == 0]
    assert len(solved) >= 5 and len(open_answered) >= 5 and len(unanswered) >= 3
    edited = _scalar(select(func.count(Revision.id)).where(Revision.rev > 1,
                                                           Revision.reason.is_not(None)))
    assert edited >= 3
    assert _scalar(select(func.count(Vote.id))) >= 30
    # Reputation came from the real services (votes and accepts wrote the ledger).
    assert _scalar(select(func.count(ReputationEvent.id))) > 0
    assert _scalar(select(func.count(User.id))) == len(PEOPLE) <= 10
    page = client.get("/").get_data(as_text=True)
    assert "Two-factor codes rejected" in page or "Dark mode" in page


def test_demo_accounts_sign_in(web, app):
    seed_demo_community()
    for name, _role in PEOPLE[:3]:
        web.login(name, PASSWORD)
        web.post("/logout")


def test_demo_edit_reasons_show_in_history(client, app):
    seed_demo_community()
    post_id, reason = db.session.execute(
        select(Revision.post_id, Revision.reason).where(Revision.reason.is_not(None))).first()
    assert reason in client.get(f"/posts/{post_id}/revisions").get_data(as_text=True)


def test_demo_seeds_only_an_empty_database(app, runner):
    factories.user(username="someone")
    assert seed_demo_community() is False
    assert _scalar(select(func.count(Thread.id))) == 0
    result = runner.invoke(args=["seed", "demo"])
    assert "nothing seeded" in result.output


def test_seed_demo_command_then_again_is_a_no_op(app, runner, monkeypatch):
    monkeypatch.setitem(app.config, "EMBEDDED_DATABASE", True)  # as with no DATABASE_URL
    assert "seeded the demo community" in runner.invoke(args=["seed", "demo"]).output
    assert set(db.session.scalars(select(User.role))) == {"member", "moderator", "support",
                                                          "admin"}
    counts = _scalar(select(func.count(Post.id))), _scalar(select(func.count(User.id)))
    assert "nothing seeded" in runner.invoke(args=["seed", "demo"]).output
    assert (_scalar(select(func.count(Post.id))), _scalar(select(func.count(User.id)))) == counts


def test_demo_is_dated_over_weeks_with_views_staff_super_users_a_case_and_deflections(app,
                                                                                     client):
    from datetime import timedelta

    from community.models import Case, HelpfulMark, KnowledgeItem
    seed_demo_community()
    times = db.session.scalars(select(Thread.created_at)).all()
    assert max(times) - min(times) > timedelta(days=28)  # not all in the same minute
    assert len({t.date() for t in times}) >= 20
    assert all(v > 0 for v in db.session.scalars(select(Thread.view_count)))
    assert _scalar(select(func.count(User.id)).where(User.is_super_user.is_(True))) >= 2
    staff_answers = _scalar(select(func.count(Post.id)).join(User, User.id == Post.author_id)
                            .where(Post.kind == "answer", User.role == "support"))
    assert staff_answers >= 5
    assert _scalar(select(func.count(KnowledgeItem.id))) >= 5
    assert _scalar(select(func.count(Case.id))) == 1
    assert _scalar(select(func.count(HelpfulMark.id))) >= 10
    # Answers come after their question.
    for thread in db.session.scalars(select(Thread)):
        first = _scalar(select(func.min(Post.created_at)).where(Post.thread_id == thread.id))
        assert first == thread.created_at
    home = client.get("/").get_data(as_text=True)
    assert "Answers that helped most" in home and "solved it for" in home
