"""The reputation rules of API.md: points, the daily cap, the floor of 1, exact undo."""
from sqlalchemy import select

from core.database import db
from community import services
from reputation.models import ReputationEvent
from tests import factories


def _rep(user):
    db.session.refresh(user)
    return user.reputation


def test_upvotes_on_questions_and_answers_give_ten(app):
    asker, answerer, voter = factories.user(), factories.user(), factories.user()
    thread = factories.thread(asker)
    answer = factories.answer(thread, answerer)
    services.cast_vote(voter, thread.question_post_id, 1)
    services.cast_vote(voter, answer.id, 1)
    assert (_rep(asker), _rep(answerer), _rep(voter)) == (11, 11, 1)


def test_downvote_costs_author_two_and_voter_one_on_answers_only(app):
    asker, answerer = factories.user(), factories.user()
    # One above the vote-down privilege (50 by default): the first downvote costs 1.
    voter = factories.reputable(factories.user(), 51)
    thread = factories.thread(asker)
    answer = factories.answer(thread, answerer)
    for post_id in (thread.question_post_id, answer.id):
        services.cast_vote(factories.user(), post_id, 1)  # lift both above the floor
    services.cast_vote(voter, answer.id, -1)
    services.cast_vote(voter, thread.question_post_id, -1)
    assert _rep(answerer) == 11 - 2
    assert _rep(asker) == 11 - 2
    # -1 for voting the answer down; voting a question down is free.
    assert _rep(voter) == 51 - 1


def test_voter_penalty_is_visible_above_the_floor(app):
    voter, answerer = factories.member_with("vote_down"), factories.user()
    own = factories.thread(voter)
    services.cast_vote(factories.user(), own.question_post_id, 1)  # voter now 60
    answer = factories.answer(factories.thread(), answerer)
    services.cast_vote(voter, answer.id, -1)
    assert _rep(voter) == 59


def test_retract_and_switch_undo_exactly(app):
    author, voter = factories.user(), factories.member_with("vote_down")
    answer = factories.answer(factories.thread(), author)
    services.cast_vote(factories.user(), answer.id, 1)  # author 11
    assert services.cast_vote(voter, answer.id, 1) == (2, 1)
    assert _rep(author) == 21
    assert services.cast_vote(voter, answer.id, -1) == (0, -1)
    assert _rep(author) == 9
    assert services.cast_vote(voter, answer.id, 0) == (1, 0)
    assert _rep(author) == 11
    assert _rep(voter) == 50  # the voter's −1 came back with the retraction


def test_reputation_never_falls_below_one(app):
    author = factories.user()
    answer = factories.answer(factories.thread(), author)
    for _ in range(3):
        services.cast_vote(factories.member_with("vote_down"), answer.id, -1)
    assert _rep(author) == 1
    # and undoing a downvote that cost nothing gives nothing back
    voter = factories.member_with("vote_down")
    services.cast_vote(voter, answer.id, -1)
    services.cast_vote(voter, answer.id, 0)
    assert _rep(author) == 1


def test_vote_earned_reputation_is_capped_at_200_a_day(app):
    author = factories.user()
    thread = factories.thread()
    answers = [factories.answer(thread, author) for _ in range(3)]
    voters = [factories.user() for _ in range(8)]
    for answer in answers:
        for voter in voters:
            services.cast_vote(voter, answer.id, 1)
    assert _rep(author) == 1 + 200  # 24 upvotes = 240 points, capped
    # accepts are not capped
    services.accept_answer(thread_author := db.session.get(type(author), thread.author_id),
                           thread.id, answers[0].id)
    assert _rep(author) == 1 + 200 + 15
    assert thread_author.reputation == 1 + 2


def test_accept_and_unaccept(app):
    asker, answerer = factories.user(), factories.user()
    thread = factories.thread(asker)
    first, second = factories.answer(thread, answerer), factories.answer(thread, factories.user())
    services.accept_answer(asker, thread.id, first.id)
    assert (_rep(asker), _rep(answerer)) == (3, 16)
    services.accept_answer(asker, thread.id, second.id)  # moving the accept undoes the first
    assert _rep(answerer) == 1
    services.accept_answer(asker, thread.id, None)
    assert _rep(asker) == 1
    assert thread.status == "open" and thread.accepted_answer_id is None


def test_accepting_your_own_answer_earns_nothing(app):
    asker = factories.user()
    thread = factories.thread(asker)
    own = factories.answer(thread, asker)
    services.accept_answer(asker, thread.id, own.id)
    assert _rep(asker) == 1
    assert thread.status == "solved"


def test_staff_accepting_gives_answerer_fifteen_but_staff_nothing(app):
    asker, answerer, support = factories.user(), factories.user(), factories.user("support")
    thread = factories.thread(asker)
    answer = factories.answer(thread, answerer)
    services.accept_answer(support, thread.id, answer.id)
    assert (_rep(answerer), _rep(support), _rep(asker)) == (16, 1, 1)


def test_ledger_rows_sum_to_the_total(app):
    author = factories.user()
    answer = factories.answer(factories.thread(), author)
    voter = factories.member_with("vote_down")
    for value in (1, -1, 0, 1):
        services.cast_vote(voter, answer.id, value)
    deltas = db.session.scalars(select(ReputationEvent.delta)
                                .where(ReputationEvent.user_id == author.id)).all()
    assert 1 + sum(deltas) == _rep(author) == 11


def test_services_take_a_proxied_actor_like_current_user(app):
    from werkzeug.local import LocalProxy
    asker, answerer = factories.user(), factories.user()
    thread = factories.thread(asker)
    answer = factories.answer(thread, answerer)
    proxy = LocalProxy(lambda: asker)
    services.cast_vote(LocalProxy(lambda: factories.member_with("vote_down")), answer.id, -1)  # voter's −1 path
    services.accept_answer(proxy, thread.id, answer.id)
    assert (_rep(asker), _rep(answerer)) == (3, 16)
