"""Badges: awarded by the `badges` consumer as things happen and by `reputation recompute` for
history, once per user (or per post), shown on profiles and beside posts, and kept true in the
anonymous page cache."""
from sqlalchemy import func, select

from community import services
from core import consumers
from core.database import db
from reputation import badges
from reputation.models import UserBadge
from tests import factories


def _slugs(user):
    return sorted(db.session.scalars(select(UserBadge.badge).where(UserBadge.user_id == user.id)))


def test_at_least_twelve_badges_of_three_tiers_are_defined():
    assert len(badges.BADGES) >= 12
    assert {b.tier for b in badges.BADGES} == {"bronze", "silver", "gold"}
    assert len({b.slug for b in badges.BADGES}) == len(badges.BADGES)


def test_the_consumer_awards_once_and_replays_change_nothing(app):
    asker, answerer, _, answer = factories.solved_thread()
    consumers.run_until_caught_up("badges")
    assert _slugs(answerer) == ["helper", "teacher"]
    assert _slugs(asker) == ["supporter"]
    consumers.seek("badges", 0)
    consumers.run_until_caught_up("badges")  # at least once: a replay awards nothing twice
    assert _slugs(answerer) == ["helper", "teacher"]


def test_per_post_badges_come_once_per_post(app):
    author = factories.user()
    thread = factories.thread()
    first, second = factories.answer(thread, author), factories.answer(thread, author)
    for post in (first, second):
        for _ in range(10):
            services.cast_vote(factories.user(), post.id, 1)
    consumers.run_until_caught_up("badges")
    nice = db.session.scalars(select(UserBadge.post_id).where(
        UserBadge.user_id == author.id, UserBadge.badge == "nice-answer")).all()
    assert sorted(nice) == [first.id, second.id]


def test_recompute_awards_history_and_then_finds_no_drift(app, runner):
    asker, answerer, _, _ = factories.solved_thread()
    consumers.seek("badges", 10**6)  # as if the history came before the consumer existed
    consumers.unregister("badges")
    try:
        first = runner.invoke(args=["reputation", "recompute"])
    finally:
        from reputation.consumers import TYPES, award_badges
        consumers.consumer("badges", *TYPES)(award_badges)
    assert first.exit_code == 1
    assert f"badge missing: user {answerer.id} helper (awarded)" in first.output
    assert _slugs(answerer) == ["helper", "teacher"]
    again = runner.invoke(args=["reputation", "recompute"])
    assert again.exit_code == 0 and "0 totals and 0 badges drifted" in again.output


def test_recompute_repairs_a_total_that_drifted(app, runner):
    user = factories.user()
    services.cast_vote(factories.user(), factories.thread(user).question_post_id, 1)
    db.session.execute(db.text("UPDATE users SET reputation = 99 WHERE id = :id"), {"id": user.id})
    db.session.commit()
    result = runner.invoke(args=["reputation", "recompute"])
    assert result.exit_code == 1
    assert f"total drift: user {user.id} {user.username}: stored 99, ledger says 11" in result.output
    db.session.refresh(user)
    assert user.reputation == 11


def test_imported_opening_balances_count_in_totals_but_earn_no_badge(app, runner):
    from reputation import ledger
    from core.transactions import transactional
    user = factories.user()
    transactional(lambda: ledger.grant(user.id, 4999, "imported", "import:so:7"))()
    result = runner.invoke(args=["reputation", "recompute"])
    assert result.exit_code == 0, result.output
    assert _slugs(user) == []


def test_profile_lists_badges_with_dates_and_posts_show_tier_counts(app, client):
    asker, answerer, thread, _ = factories.solved_thread()
    url = f"/t/{thread.id}/{thread.slug}"
    assert "1 bronze" not in client.get(url).get_data(as_text=True)  # cached for anonymous readers
    consumers.run_until_caught_up("badges")
    page = client.get(url).get_data(as_text=True)  # badge.awarded dropped the cached page
    assert '<span class="tier bronze">2 bronze</span>' in page
    profile = client.get(f"/u/{answerer.id}").get_data(as_text=True)
    assert "<b>Helper</b>" in profile and "<b>Teacher</b>" in profile
    assert db.session.scalar(select(func.count()).select_from(UserBadge)) == 3
