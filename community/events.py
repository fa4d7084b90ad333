"""Domain events (blinker signals), sent only after the transaction that caused them commits.

Receivers (search indexing, CRM outbox, real-time fan-out) connect to these. Each signal's
sender is the object named first; keyword arguments are listed with it. Receivers must not
assume they run inside a request, and must not write to the session they were sent from.
"""
from blinker import Namespace

_signals = Namespace()

thread_created = _signals.signal("thread-created", doc="sender: Thread; kwargs: post (question), actor")
thread_edited = _signals.signal("thread-edited", doc="sender: Thread; kwargs: post, actor, changed (field names)")
post_created = _signals.signal("post-created", doc="sender: Post (an answer); kwargs: thread, actor")
post_edited = _signals.signal("post-edited", doc="sender: Post; kwargs: thread, actor, rev")
post_deleted = _signals.signal("post-deleted", doc="sender: Post; kwargs: thread, actor")
vote_cast = _signals.signal("vote-cast", doc="sender: Post; kwargs: actor, value (1, -1, 0), score")
answer_accepted = _signals.signal("answer-accepted", doc="sender: Thread; kwargs: post, actor")
answer_unaccepted = _signals.signal("answer-unaccepted", doc="sender: Thread; kwargs: post (the one no longer accepted), actor")
user_registered = _signals.signal("user-registered", doc="sender: User; kwargs: none")

from core.events import emit  # noqa: E402,F401
