"""The community's event types and what each carries; services emit them through core.events.

Every event row has `type`, `created_at`, `actor_id` (who did it) and the aggregate ids named
below; `data` holds the small payload listed. Receivers must be idempotent where they are
consumers (at-least-once) and must not assume they run inside a request.
"""
from core.events import emit  # noqa: F401  (services call events.emit)

THREAD_CREATED = "thread.created"      # thread_id, post_id (question); data: category_id
THREAD_EDITED = "thread.edited"        # thread_id, post_id; data: changed (field names), category_id
POST_CREATED = "post.created"          # thread_id, post_id (an answer); data: is_draft
POST_EDITED = "post.edited"            # thread_id, post_id; data: rev
POST_DELETED = "post.deleted"          # thread_id, post_id; data: kind (question deletes the thread)
POST_RESTORED = "post.restored"        # thread_id, post_id; data: kind
VOTE_CAST = "vote.cast"                # thread_id, post_id; data: value, old, score, author_id, kind
ANSWER_ACCEPTED = "answer.accepted"    # thread_id, post_id; data: answer_author_id, asker_id
ANSWER_UNACCEPTED = "answer.unaccepted"  # thread_id, post_id (no longer accepted); same data
USER_REGISTERED = "user.registered"    # user_id
CATEGORY_CREATED = "category.created"  # data: category_id, slug
# An import writes one event per batch, never one per row (community.services.imports).
IMPORT_USERS = "import.users"          # data: site, user_ids (new accounts; the ledger follows)
IMPORT_BATCH = "import.batch"          # data: site, thread_ids (new threads, or new answers/links)
IMPORT_FINISHED = "import.finished"    # data: site, counts

# Events that change what a thread page or a thread list shows.
CONTENT = (THREAD_CREATED, THREAD_EDITED, POST_CREATED, POST_EDITED, POST_DELETED,
           POST_RESTORED, VOTE_CAST, ANSWER_ACCEPTED, ANSWER_UNACCEPTED)
