"""The `notifications` consumer: recipients from watches and roles, never the actor, nothing about
what a reader may not see, once per reader and event, coalesced."""
from app.notifications import service
from community import services
from core import consumers
from tests import factories
from tests.functional.notifications.conftest import bell, deliver, unread


def test_an_answer_notifies_the_asker_once_even_when_the_consumer_runs_twice(app):
    asker, answerer = factories.user(), factories.user()
    thread = factories.thread(asker)
    answer = factories.answer(thread, answerer)
    deliver()
    consumers.seek("notifications", 0)  # at least once: the whole log is handed out again
    deliver()
    rows = bell(asker)
    assert [(n.kind, n.count, n.post_id) for n in rows] == [("answer", 1, answer.id)]
    assert rows[0].url == f"/t/{thread.id}/{thread.slug}#post-{answer.id}"
    assert "A new answer on" in rows[0].text and thread.title in rows[0].text
    assert unread(asker) == 1


def test_the_actor_is_never_notified(app):
    asker = factories.user()
    thread = factories.thread(asker)
    factories.answer(thread, asker)  # answering your own question
    answerer = factories.user()
    answer = factories.answer(thread, answerer)
    services.accept_answer(asker, thread.id, answer.id)
    services.cast_vote(asker, answer.id, 1)
    deliver()
    # The asker's own answer told them nothing; the other one did.
    assert [(n.kind, n.count, n.post_id) for n in bell(asker)] == [("answer", 1, answer.id)]
    assert sorted(n.kind for n in bell(answerer)) == ["accepted", "vote"]


def test_a_thread_deleted_before_delivery_notifies_no_one_not_even_staff(app):
    asker, moderator = factories.user(), factories.user("moderator")
    thread = factories.thread(asker)
    service.set_watch(moderator, "thread", thread.id, "watching")
    factories.answer(thread)
    services.delete_post(moderator, thread.question_post_id)
    deliver()
    assert bell(asker) == [] and bell(moderator) == []


def test_nobody_hears_of_a_draft_they_may_not_see(app):
    asker, agent, watcher = factories.user(), factories.user("support"), factories.user()
    thread = factories.thread(asker)
    service.set_watch(watcher, "thread", thread.id, "watching")
    draft = services.create_answer(agent, thread.id, "A draft resolution for the asker.",
                                   is_draft=True)
    deliver()
    assert bell(asker) == [] and bell(watcher) == []  # a draft waits until it is published
    services.publish_draft(agent, draft.id)
    deliver()
    assert [n.kind for n in bell(asker)] == ["answer"]
    assert [n.kind for n in bell(watcher)] == ["answer"]


def test_five_votes_are_one_unread_notification_and_a_read_one_starts_again(app):
    author = factories.user()
    thread = factories.thread()
    answer = factories.answer(thread, author)
    for _ in range(5):
        services.cast_vote(factories.user(), answer.id, 1)
    deliver()
    row, rank = bell(author)  # 5 x 10 points also reached the rank Contributor
    assert (row.kind, row.count, row.text.split(" up")[0]) == ("vote", 5, "5 votes")
    assert rank.kind == "rank" and unread(author) == 2
    service.mark_read(author, everything=True)
    services.cast_vote(factories.user(), answer.id, 1)
    services.cast_vote(factories.member_with("vote_down"), answer.id, -1)  # tells nobody
    deliver()
    row, rank = bell(author)
    assert (row.count, row.is_read, rank.is_read, unread(author)) == (1, False, True, 1)


def test_answers_coalesce_per_thread(app):
    asker = factories.user()
    thread = factories.thread(asker)
    for _ in range(3):
        factories.answer(thread)
    deliver()
    (row,) = bell(asker)
    assert row.count == 3 and row.text.startswith("3 new answers on")


def test_watched_categories_and_tags_tell_of_new_threads_and_muting_silences(app):
    category = factories.category()
    fan, tag_fan, tracker, muter = (factories.user() for _ in range(4))
    service.set_watch(fan, "category", category.slug, "watching")
    service.set_watch(tracker, "category", category.slug, "tracking")
    service.set_watch(muter, "category", category.slug, "muted")
    thread0 = factories.thread(category_=category, tags=["billing"])
    deliver()  # (recipients are who watches when the consumer gets the event)
    service.set_watch(tag_fan, "tag", "billing", "watching")
    service.set_watch(muter, "tag", "billing", "watching")  # muting the category still wins
    thread = factories.thread(category_=category, tags=["billing"])
    deliver()
    assert [(n.kind, n.thread_id) for n in bell(fan)] == [("watched", thread0.id),
                                                          ("watched", thread.id)]
    assert [(n.kind, n.thread_id) for n in bell(tag_fan)] == [("watched", thread.id)]
    assert len(bell(tracker)) == 2 and bell(muter) == []


def test_askers_and_answerers_watch_automatically_and_muting_a_thread_silences_it(app):
    asker, first, second = factories.user(), factories.user(), factories.user()
    thread = factories.thread(asker)
    factories.answer(thread, first)
    deliver()
    assert service.watch_level(asker, "thread", thread.id) == "watching"
    assert service.watch_level(first, "thread", thread.id) == "watching"
    service.set_watch(asker, "thread", thread.id, "muted")
    factories.answer(thread, second)
    deliver()
    assert [n.count for n in bell(asker)] == [1]  # only the first answer, from before the mute
    assert [n.kind for n in bell(first)] == ["answer"]  # an answerer hears of later answers


def test_mentions_in_questions_and_answers_resolve_usernames(app):
    ann, bob = factories.user(username="ann_m"), factories.user(username="Bob.M")
    thread = factories.thread(body="Ping @ann_m and @nobody-here, not `@bob.m` in code.")
    factories.answer(thread, body="I think @bob.m knows this one, and so does @ann_m.")
    deliver()
    assert [n.kind for n in bell(ann)] == ["mention", "mention"]
    assert [n.kind for n in bell(bob)] == ["mention"]


def test_badges_ranks_and_super_user_status_are_told(app):
    asker, answerer, thread, answer = factories.solved_thread()
    consumers.run_until_caught_up("badges")
    factories.reputable(answerer, 60)
    moderator = factories.user("moderator")
    from reputation.super_users import set_super_user
    set_super_user(moderator, answerer.id, True, "Helps everyone")
    deliver()
    kinds = sorted({n.kind for n in bell(answerer)})
    assert kinds == ["accepted", "badge", "rank", "super_user", "vote"]
    rank = next(n for n in bell(answerer) if n.kind == "rank")
    assert rank.text == "You reached the rank Contributor" and rank.url == f"/u/{answerer.id}"


def test_case_status_changes_tell_the_asker_and_the_agent(app):
    asker, agent = factories.user(), factories.user("support")
    thread = factories.thread(asker)
    case = services.escalate(agent, thread.id, "Needs an engineer", "high")
    services.record_crm_ref(case.id, "CASE-1", "open", "local")
    services.apply_case_change(services.case_change("CASE-1", "pending", None))
    deliver()
    assert [n.kind for n in bell(asker)] == ["case"]
    assert [n.kind for n in bell(agent)] == ["case"]
    assert "pending" in bell(asker)[0].text
