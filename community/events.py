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
USER_SIGNED_OUT = "user.signed_out"    # user_id: a new session stamp ended every session
CATEGORY_CREATED = "category.created"  # data: category_id, slug
THREAD_MARKED_DUPLICATE = "thread.marked_duplicate"  # thread_id; data: original_id
POST_FLAGGED = "post.flagged"          # thread_id, post_id; data: reason
POST_PUBLISHED = "post.published"      # thread_id, post_id (a draft answer made public)
CASE_ESCALATED = "case.escalated"      # thread_id; data: case_id, priority (actor_id NULL: system)
CASE_SYNCED = "case.synced"            # thread_id; data: case_id, ref, status (the CRM has it)
CASE_UPDATED = "case.updated"          # thread_id; data: case_id, status, old_status, draft_id
# Moderation (community.services.review, thread_actions, user_actions, site_admin).
POST_HIDDEN = "post.hidden"            # thread_id, post_id; data: why (held|watched|auto_hidden|moderator), kind
POST_APPROVED = "post.approved"        # thread_id, post_id; data: was_held, kind (shown to all now)
FLAG_RESOLVED = "flag.resolved"        # thread_id, post_id; data: item_id, outcome, helpful, declined (flagger ids)
THREAD_LOCKED = "thread.locked"        # thread_id; data: locked, reason
THREAD_CLOSED = "thread.closed"        # thread_id; data: closed, reason
THREAD_MOVED = "thread.moved"          # thread_id; data: from_category_id, category_id
THREAD_MERGED = "thread.merged"        # thread_id (each of the two); data: from_id, into_id, post_ids
USER_SUSPENDED = "user.suspended"      # user_id; data: until (null: lifted), reason
USER_SILENCED = "user.silenced"        # user_id; data: until (null: lifted), reason
USER_ROLE_CHANGED = "user.role_changed"  # user_id; data: role, old_role
USER_PURGED = "user.purged"            # user_id; data: post_ids, thread_ids (deleted as spam)
CATEGORY_UPDATED = "category.updated"  # data: category_id, changed
CATEGORY_DELETED = "category.deleted"  # data: category_id, slug, moved_to (category id), thread_ids
# An import writes one event per batch, never one per row (community.services.imports).
IMPORT_USERS = "import.users"          # data: site, user_ids (new accounts; the ledger follows)
IMPORT_BATCH = "import.batch"          # data: site, thread_ids (new threads, or new answers/links)
IMPORT_FINISHED = "import.finished"    # data: site, counts

# Events that change what a thread page or a thread list shows.
CONTENT = (THREAD_CREATED, THREAD_EDITED, POST_CREATED, POST_EDITED, POST_DELETED,
           POST_RESTORED, VOTE_CAST, ANSWER_ACCEPTED, ANSWER_UNACCEPTED, POST_PUBLISHED,
           POST_HIDDEN, POST_APPROVED, THREAD_LOCKED, THREAD_CLOSED, THREAD_MOVED, THREAD_MERGED)

# Knowledge items (written by community.knowledge in the transaction of the change above them).
KNOWLEDGE_PUBLISHED = "knowledge.published"  # thread_id; data: item_id, version
KNOWLEDGE_UPDATED = "knowledge.updated"      # thread_id; data: item_id, version
KNOWLEDGE_STALE = "knowledge.stale"          # thread_id; data: item_id, version
KNOWLEDGE_RETIRED = "knowledge.retired"      # thread_id; data: item_id, version
THREAD_HELPFUL = "thread.helpful"      # thread_id; data: visitor (a key, never an address), query
