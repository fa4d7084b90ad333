"""The reputation story end to end through the API: ask, answer, upvote, downvote, accept,
un-accept, re-accept, the daily cap, a badge, a nomination, a grant and a revoke; every number
is the one API.md's table gives."""
from sqlalchemy import func, select

from core import consumers
from core.database import db
from reputation.models import ReputationEvent
from community import services
from tests import factories

UP, DOWN_AUTHOR, DOWN_VOTER, ACCEPTED, ACCEPTER, CAP = 10, -2, -1, 15, 2, 200


def _rep(api, user_id):
    return api.get(f"/users/{user_id}").json["reputation"]


def _ledger_total(user_id):
    return 1 + db.session.scalar(select(func.coalesce(func.sum(ReputationEvent.delta), 0))
                                 .where(ReputationEvent.user_id == user_id))


def test_the_whole_story(app, api):
    app.config.update(SUPER_USER_MIN_ACCEPTED=1, SUPER_USER_MIN_REPUTATION=200)
    factories.category("Billing", "billing")
    asker, answerer, moderator = factories.user(), factories.user(), factories.user("moderator")
    upvoter, downvoter = factories.user(), factories.reputable(factories.user(), 51)
    tokens = {u.id: api.token_for(u.email) for u in (asker, answerer, moderator, upvoter,
                                                       downvoter)}
    thread = api.post("/threads", tokens[asker.id], json={
        "title": "How do I download my invoice?", "body": "Where is the invoice button?",
        "category": "billing"}).json
    answer = api.post(f"/threads/{thread['id']}/answers", tokens[answerer.id],
                      json={"body": "Settings, then Billing, then Invoices."}).json
    vote = lambda who, value: api.post(f"/posts/{answer['id']}/vote", tokens[who.id],  # noqa
                                       json={"value": value})
    accept = lambda post_id: api.post(f"/threads/{thread['id']}/accept", tokens[asker.id],  # noqa
                                      json={"post_id": post_id})

    assert vote(upvoter, 1).status_code == 200
    assert _rep(api, answerer.id) == 1 + UP
    assert vote(downvoter, -1).status_code == 200
    assert _rep(api, answerer.id) == 1 + UP + DOWN_AUTHOR
    assert _rep(api, downvoter.id) == 51 + DOWN_VOTER
    assert accept(answer["id"]).json["status"] == "solved"
    assert (_rep(api, answerer.id), _rep(api, asker.id)) == (1 + UP + DOWN_AUTHOR + ACCEPTED,
                                                             1 + ACCEPTER)
    assert accept(None).json["status"] == "open"
    assert (_rep(api, answerer.id), _rep(api, asker.id)) == (1 + UP + DOWN_AUTHOR, 1)
    accept(answer["id"])
    earned = 1 + UP + DOWN_AUTHOR + ACCEPTED
    assert (_rep(api, answerer.id), _rep(api, asker.id)) == (earned, 1 + ACCEPTER)

    # The cap: vote-earned gains stop at +200 a UTC day (downvotes are not gains; accepts are
    # not capped). 19 more upvotes bring the capped gains to exactly 200; a 20th adds nothing.
    for _ in range(20):
        services.cast_vote(factories.user(), answer["id"], 1)
    expected = earned + (CAP - UP)
    assert _rep(api, answerer.id) == expected
    assert _ledger_total(answerer.id) == expected

    # Badges come from the event log's consumer, once each.
    consumers.run_until_caught_up("badges")
    consumers.run_until_caught_up("badges")
    profile = api.get(f"/users/{answerer.id}").json
    slugs = [b["slug"] for b in profile["badges"]]
    assert {"helper", "teacher", "nice-answer"} <= set(slugs) and len(slugs) == len(set(slugs))
    assert {"slug": "critic", "name": "Critic", "tier": "bronze"} in \
        api.get(f"/users/{downvoter.id}").json["badges"]

    # Nominated (criteria lowered for the story), granted, revoked: each in the audit log.
    mod = tokens[moderator.id]
    assert api.get("/super-users/nominations", tokens[asker.id]).status_code == 403
    nominees = api.get("/super-users/nominations", mod).json["items"]
    assert [(n["user"]["id"], n["accepted_answers"], n["categories"]) for n in nominees] == \
        [(answerer.id, 1, ["Billing"])]
    granted = api.post(f"/users/{answerer.id}/super-user", mod,
                       json={"granted": True, "reason": "Solves billing questions daily"}).json
    assert granted["is_super_user"] and "Super-user" in granted["marks"]
    assert "super-user" in [b["slug"] for b in granted["badges"]]
    assert api.get("/super-users/nominations", mod).json["items"] == []
    revoked = api.post(f"/users/{answerer.id}/super-user", mod,
                       json={"granted": False, "reason": "Asked to step back"}).json
    assert not revoked["is_super_user"] and "super-user" not in [b["slug"] for b in revoked["badges"]]
    audit = api.get("/audit", mod).json["items"]
    assert [(e["action"], e["target_id"], e["reason"], e["actor"]["id"]) for e in audit] == [
        ("super_user.revoked", answerer.id, "Asked to step back", moderator.id),
        ("super_user.granted", answerer.id, "Solves billing questions daily", moderator.id)]
    assert api.get("/audit", tokens[answerer.id]).status_code == 403

    # The leaderboard sums the same ledger; recompute finds nothing to repair.
    board = api.get("/leaderboard?period=week&category=billing").json["items"]
    assert board[0] == {"user": board[0]["user"], "reputation_gained": expected - 1}
    assert board[0]["user"]["id"] == answerer.id
    result = app.test_cli_runner().invoke(args=["reputation", "recompute"])
    assert result.exit_code == 0, result.output
    assert "0 totals and 0 badges drifted" in result.output
