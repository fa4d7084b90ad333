"""API votes and accepted answers: rules, responses and refusals."""
from tests import factories


def test_vote_returns_score_and_my_vote(api):
    author, voter = factories.user(), factories.member_with("vote_down")
    answer = factories.answer(factories.thread(), author)
    token = api.token_for(voter.email)
    assert api.post(f"/posts/{answer.id}/vote", token, json={"value": 1}).json == {"score": 1, "my_vote": 1}
    assert api.post(f"/posts/{answer.id}/vote", token, json={"value": 1}).json == {"score": 1, "my_vote": 1}
    assert api.post(f"/posts/{answer.id}/vote", token, json={"value": -1}).json == {"score": -1, "my_vote": -1}
    assert api.post(f"/posts/{answer.id}/vote", token, json={"value": 0}).json == {"score": 0, "my_vote": 0}
    thread = api.get(f"/threads/{answer.thread_id}", token).json
    assert thread["answers"][0]["my_vote"] == 0


def test_voting_on_your_own_post_is_403(api):
    author = factories.user()
    thread = factories.thread(author)
    response = api.post(f"/posts/{thread.question_post_id}/vote", api.token_for(author.email),
                        json={"value": 1})
    assert response.status_code == 403
    assert "own post" in response.json["detail"]
    assert api.get(f"/threads/{thread.id}").json["score"] == 0


def test_bad_vote_values_are_422(api):
    answer = factories.answer(factories.thread())
    token = api.token_for(factories.user().email)
    for body in ({"value": 2}, {"value": "1"}, {"value": True}, {}):
        response = api.post(f"/posts/{answer.id}/vote", token, json=body)
        assert response.status_code == 422 and "value" in response.json["errors"]


def test_anonymous_vote_is_401(api):
    answer = factories.answer(factories.thread())
    assert api.post(f"/posts/{answer.id}/vote", json={"value": 1}).status_code == 401


def test_accept_marks_solved_and_unaccept_reopens(api):
    asker = factories.user()
    thread = factories.thread(asker)
    answer = factories.answer(thread)
    token = api.token_for(asker.email)
    solved = api.post(f"/threads/{thread.id}/accept", token, json={"post_id": answer.id}).json
    assert solved["status"] == "solved" and solved["accepted_answer_id"] == answer.id
    assert solved["answers"][0]["is_accepted"] is True
    reopened = api.post(f"/threads/{thread.id}/accept", token, json={"post_id": None}).json
    assert reopened["status"] == "open" and reopened["accepted_answer_id"] is None


def test_accepting_in_someone_elses_thread_is_403(api):
    thread = factories.thread()
    answer = factories.answer(thread)
    stranger = api.token_for(factories.user().email)
    response = api.post(f"/threads/{thread.id}/accept", stranger, json={"post_id": answer.id})
    assert response.status_code == 403
    assert api.get(f"/threads/{thread.id}").json["status"] == "open"


def test_moderator_and_support_may_accept(api):
    for role in ("moderator", "support"):
        thread = factories.thread()
        answer = factories.answer(thread)
        token = api.token_for(factories.user(role).email)
        response = api.post(f"/threads/{thread.id}/accept", token, json={"post_id": answer.id})
        assert response.status_code == 200 and response.json["status"] == "solved"


def test_accepting_a_post_from_another_thread_or_the_question_is_422(api):
    asker = factories.user()
    thread, other = factories.thread(asker), factories.thread()
    foreign = factories.answer(other)
    token = api.token_for(asker.email)
    for post_id in (foreign.id, thread.question_post_id):
        response = api.post(f"/threads/{thread.id}/accept", token, json={"post_id": post_id})
        assert response.status_code == 422 and "post_id" in response.json["errors"]
    assert api.post(f"/threads/{thread.id}/accept", token, json={"post_id": "7"}).status_code == 422
    assert api.post(f"/threads/{thread.id}/accept", token, json={}).status_code == 422
    assert api.post(f"/threads/{thread.id}/accept", token, json={"post_id": 99999}).status_code == 404
