"""Leaderboards by period and category, the ledger's privacy for downvoters, and the profile
(badges, the SVG chart, top answers, paged "see all" lists) with a fixed number of queries;
generated avatars beside the names on both."""
from datetime import timedelta

from bs4 import BeautifulSoup
from sqlalchemy import text, update

from community import services
from core.database import db
from core.time import utcnow
from core.transactions import transactional
from reputation import ledger
from reputation.models import ReputationEvent
from tests import factories
from tests.conftest import USING_POSTGRES


def _age(user, days):
    """Move a user's ledger rows into the past (history, as an import or time would leave)."""
    db.session.execute(update(ReputationEvent).where(ReputationEvent.user_id == user.id)
                       .values(created_at=utcnow() - timedelta(days=days)))
    db.session.commit()


def _upvoted(author, times, category=None):
    thread = factories.thread(author, category)
    for _ in range(times):
        services.cast_vote(factories.user(), thread.question_post_id, 1)
    return thread


def test_periods_and_categories(app, api):
    billing, shipping = factories.category("Billing", "billing"), factories.category()
    recent, old, imported = factories.user(), factories.user(), factories.user()
    _upvoted(recent, 2, billing)
    _upvoted(old, 5, shipping)
    _age(old, 40)
    transactional(lambda: ledger.grant(imported.id, 999, "imported", "import:so:1"))()
    board = lambda q: [(i["user"]["id"], i["reputation_gained"])  # noqa: E731
                       for i in api.get(f"/leaderboard?{q}").json["items"]]
    assert board("period=week") == [(recent.id, 20)]  # opening balances are not this week's
    assert board("period=month") == [(recent.id, 20)]
    assert board("period=quarter") == [(old.id, 50), (recent.id, 20)]
    assert board("period=all") == [(imported.id, 999), (old.id, 50), (recent.id, 20)]
    assert board("period=all&category=billing") == [(recent.id, 20)]
    assert board("period=quarter&category=" + shipping.slug) == [(old.id, 50)]
    assert api.get("/leaderboard?period=year").status_code == 400
    assert api.get("/leaderboard?category=nope").status_code == 404
    first = api.get("/leaderboard?period=all&limit=2").json
    assert first["next_cursor"] and len(first["items"]) == 2
    rest = api.get(f"/leaderboard?period=all&limit=2&cursor={first['next_cursor']}").json
    assert [i["user"]["id"] for i in rest["items"]] == [recent.id]


def test_leaderboard_page_and_its_query_count(app, client, count_queries):
    category = factories.category("Billing", "billing")
    counts = []
    for people in (2, 12):
        while len(counts) < people:
            _upvoted(factories.user(), 1, category)
            counts.append(None)
        with count_queries() as counter:
            page = client.get("/leaderboard?period=week&category=billing")
        assert page.status_code == 200
        counts[people - 1] = counter.count
    assert counts[1] == counts[11]
    assert "Who helped most in Billing" in page.get_data(as_text=True)


def _avatar_beside(page: str, username: str, where: str) -> tuple[str, str]:
    """The initials and colour of the generated avatar in the same `where` element as the name."""
    soup = BeautifulSoup(page, "html.parser")
    spot = next(e for e in soup.select(where) if username in e.get_text())
    picture = spot.select_one("svg.avatar")
    assert picture is not None, spot
    return picture.get_text(strip=True), picture.select_one("rect")["fill"]


def test_leaderboard_and_profile_show_each_members_avatar(app, client):
    ada, grace = factories.user(username="ada"), factories.user(username="grace")
    _upvoted(ada, 2)
    _upvoted(grace, 1)
    board = client.get("/leaderboard?period=week").get_data(as_text=True)
    ada_on_board = _avatar_beside(board, "ada", "table.board tbody tr")
    grace_on_board = _avatar_beside(board, "grace", "table.board tbody tr")
    assert ada_on_board[0] == "AD" and grace_on_board[0] == "GR"
    assert ada_on_board[1] != grace_on_board[1]  # a colour of their own
    profile = client.get(f"/u/{ada.id}").get_data(as_text=True)
    assert _avatar_beside(profile, "ada", "main .profile-head") == ada_on_board  # the same picture


def test_the_period_board_reads_its_covering_index(app):
    from reputation import leaderboard
    statements = []
    from sqlalchemy import event

    def grab(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", grab)
    leaderboard.gained("week")
    event.remove(db.engine, "before_cursor_execute", grab)
    statement, parameters = next(s for s in statements if "reputation_events" in s[0])
    if USING_POSTGRES:
        return  # PostgreSQL picks by its statistics; bench/leaderboard.py prints its plan
    raw = db.engine.raw_connection()
    plan = " ".join(r[-1] for r in raw.cursor().execute("EXPLAIN QUERY PLAN " + statement,
                                                         parameters).fetchall())
    raw.close()
    assert "COVERING INDEX ix_reputation_events_board" in plan


def test_only_the_voter_sees_which_post_they_voted_down(app, api):
    voter = factories.reputable(factories.user(), 60)
    answer = factories.answer(factories.thread())
    services.cast_vote(voter, answer.id, -1)
    services.cast_vote(voter, answer.id, 0)  # the undo row must not tell either
    rows = lambda token=None: [  # noqa: E731
        (i["reason"], i["post_id"]) for i in
        api.get(f"/users/{voter.id}/reputation", token).json["items"]]
    assert rows() == [("vote_undone", None), ("voter_downvote", None), ("bonus", None)]
    assert rows(api.token_for(factories.user().email))[1] == ("voter_downvote", None)
    assert rows(api.token_for(voter.email))[:2] == [("vote_undone", answer.id),
                                                    ("voter_downvote", answer.id)]
    # The author's own row names their post (it is theirs), never the voter.
    author_rows = api.get(f"/users/{answer.author_id}/reputation").json["items"]
    assert all(set(r) == {"delta", "reason", "post_id", "thread_id", "created_at"}
               for r in author_rows)


def test_profile_page_hides_downvoted_threads_from_others(app, web, client):
    voter = factories.reputable(factories.user(username="critic"), 60)
    answer = factories.answer(factories.thread())
    services.cast_vote(voter, answer.id, -1)
    link = f'href="/t/{answer.thread_id}"'
    assert link not in client.get(f"/u/{voter.id}").get_data(as_text=True)
    web.login("critic")
    assert link in web.get(f"/u/{voter.id}").get_data(as_text=True)


def test_profile_has_chart_badges_top_answers_and_paged_lists(app, client, count_queries):
    author = factories.user()
    thread = factories.thread()
    answers = [factories.answer(thread, author, body=f"Answer number {n} for you.")
               for n in range(25)]
    for _ in range(3):
        services.cast_vote(factories.user(), answers[7].id, 1)
    page = client.get(f"/u/{author.id}").get_data(as_text=True)
    assert '<svg class="chart"' in page and "<polyline" in page and "<script" not in page
    assert "lowest 1, highest 31" in page
    assert "Regular" not in page and "Newcomer" in page  # 31 is below the second rank's 50
    assert "19 more reputation to become Contributor." in page
    first = client.get(f"/u/{author.id}/answers/all").get_data(as_text=True)
    second = client.get(f"/u/{author.id}/answers/all?page=2").get_data(as_text=True)
    assert first.count('<li><a href="/t/') == 20 and second.count('<li><a href="/t/') == 5
    assert "Older" in first and "Newer" in second
    assert client.get(f"/u/{author.id}/answers/all?page=x").status_code == 400
    few = factories.user()
    services.cast_vote(factories.user(), factories.answer(thread, few).id, 1)
    client.get(f"/u/{few.id}")
    client.get(f"/u/{author.id}")
    with count_queries() as small:
        client.get(f"/u/{few.id}")
    client.get(f"/u/{author.id}")
    with count_queries() as big:
        client.get(f"/u/{author.id}")
    assert small.count == big.count, [x[:80] for x in big.statements if x not in small.statements]


def test_api_user_object_carries_rank_marks_and_official_answers(app, api):
    support = factories.user("support")
    answer = factories.answer(factories.thread(), support)
    body = api.get(f"/posts/{answer.id}").json
    assert body["is_official"] is True and body["author"]["marks"] == ["Support"]
    assert body["author"]["rank"] == "Newcomer"
    member_answer = factories.answer(factories.thread())
    assert api.get(f"/posts/{member_answer.id}").json["is_official"] is False


def test_thread_page_marks_official_answers_and_staff(app, client):
    support = factories.user("support")
    thread = factories.thread()
    factories.answer(thread, support)
    page = client.get(f"/t/{thread.id}/{thread.slug}").get_data(as_text=True)
    assert "Official answer from Support staff" in page
    assert '<span class="mark support">Support</span>' in page
    assert '<span class="rank">Newcomer</span>' in page
    assert db.session.execute(text("SELECT 1")).scalar() == 1


def test_the_staff_event_feed_does_not_name_a_downvoter(app, api):
    from core import events as log
    voter = factories.reputable(factories.user(), 60)
    answer = factories.answer(factories.thread())
    token = api.token_for(factories.user("support").email)
    before = log.last_id()
    services.cast_vote(voter, answer.id, -1)
    services.cast_vote(voter, answer.id, 0)
    feed = api.get(f"/events?after={before}", token).json["items"]
    assert [e for e in feed if voter.id in (e["user_id"], e["actor_id"])] == []
    mine = [(e["data"]["reason"], e["user_id"]) for e in feed if e["type"] == "reputation.changed"
            and e["data"].get("private")]
    assert mine == [("voter_downvote", None), ("vote_undone", None)]
