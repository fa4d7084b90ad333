"""The ledger as an in-transaction receiver of votes and accepts: points commit with the change."""
from community import events
from core.events import Event, on_emit
from reputation import ledger


@on_emit(events.VOTE_CAST)
def on_vote(event: Event) -> None:
    data, voter = event.data, event.actor_id
    author, source = data["author_id"], f"vote:{event.post_id}:{voter}"
    for user_id in sorted({author, voter}):
        if data["old"]:
            ledger.undo(user_id, source, "vote_undone")
    if data["value"] == 1:
        reason = "question_upvoted" if data["kind"] == "question" else "answer_upvoted"
        ledger.award(author, reason, source, event.post_id, event.thread_id)
    elif data["value"] == -1:
        ledger.award(author, "post_downvoted", source, event.post_id, event.thread_id)
        if data["kind"] != "question":
            ledger.award(voter, "voter_downvote", source, event.post_id, event.thread_id)


@on_emit(events.ANSWER_ACCEPTED)
def on_accept(event: Event) -> None:
    # Accepting your own answer earns nothing; the asker earns +2 for accepting someone else's.
    answerer, asker = event.data["answer_author_id"], event.data["asker_id"]
    if answerer == event.actor_id:
        return
    source = f"accept:{event.thread_id}:{event.post_id}"
    ledger.award(answerer, "answer_accepted", source, event.post_id, event.thread_id)
    if event.actor_id == asker:
        ledger.award(asker, "accepter", source, event.post_id, event.thread_id)


@on_emit(events.ANSWER_UNACCEPTED)
def on_unaccept(event: Event) -> None:
    """Reverse an accept exactly, whoever made it (un-accept, re-accept, deletion)."""
    source = f"accept:{event.thread_id}:{event.post_id}"
    for user_id in sorted({event.data["answer_author_id"], event.data["asker_id"]}):
        ledger.undo(user_id, source, "accept_undone")
