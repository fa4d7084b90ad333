"""The `badges` consumer: after votes, accepts, posts, edits, super-user changes and flags found
helpful (Helpful flagger), award the badges the people involved now qualify for (idempotent:
awards are unique per user or post)."""
from community import events
from core.consumers import consumer
from core.events import Event
from reputation import badges
from reputation.super_users import SUPER_USER_CHANGED

TYPES = (events.VOTE_CAST, events.ANSWER_ACCEPTED, events.POST_CREATED, events.POST_EDITED,
         events.THREAD_CREATED, events.THREAD_EDITED, SUPER_USER_CHANGED, events.FLAG_RESOLVED)


def people(event: Event) -> set[int]:
    """Everyone whose badges the event may change: who acted, and whose post it was."""
    found = {event.actor_id, event.user_id, event.data.get("author_id"),
             event.data.get("answer_author_id"), *event.data.get("helpful", ())}
    return {u for u in found if isinstance(u, int)}


@consumer("badges", *TYPES)
def award_badges(batch: list[Event]) -> None:
    users = set().union(*(people(e) for e in batch))
    if users:
        badges.award(sorted(users))
