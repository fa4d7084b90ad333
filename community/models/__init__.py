"""The community's tables; import models from here."""
from core.time import UTCDateTime, utcnow
from community.models.users import (ANONYMOUS, AccountToken, AnonymousUser, ApiToken, ROLES,
                                    SignInSession, SignInThrottle, User)
from community.models.audit import AuditEntry
from community.models.flags import FLAG_REASONS, Flag
from community.models.content import (Category, HelpfulMark, Post, Revision, Tag, Thread,
                                      ThreadLink, Vote,
                                      thread_tags)
from community.models.knowledge import KnowledgeItem, KnowledgeVersion
from community.models.imports import ImportSource
from community.models.moderation import (REVIEW_ACTIONS, REVIEW_KINDS, WATCH_ACTIONS, ReviewItem,
                                         SiteSetting, WatchedWord)

from community.models.cases import CASE_STATUSES, PRIORITIES, Case
from core.transactions import conflict_on

# Unique constraints two people can race into: a 409 naming the field, never a 500.
conflict_on("uq_users_username_key", "username", "is already taken")
conflict_on("uq_users_email", "email", "is already registered")
conflict_on("uq_categories_slug", "slug", "is taken")
conflict_on("uq_votes_post_user", "vote", "was already cast")
conflict_on("uq_thread_links_thread_target_kind", "link", "already exists")
conflict_on("uq_flags_post_user", "flag", "was already raised by you on this post")
conflict_on("uq_watched_words_word", "word", "is already watched")
conflict_on("uq_review_items_post_id", "post", "is already in the review queue")
conflict_on("uq_helpful_marks_thread_visitor", "helpful", "was already marked by you")
conflict_on("uq_cases_thread_id", "case", "already exists: this thread is already escalated")

__all__ = ["ANONYMOUS", "AccountToken", "AnonymousUser", "ApiToken", "SignInSession", "SignInThrottle", "ROLES",
           "User", "AuditEntry", "FLAG_REASONS", "Flag", "Category", "Post", "Revision", "Tag",
           "Thread", "ThreadLink", "HelpfulMark", "Vote", "thread_tags", "UTCDateTime", "utcnow",
           "KnowledgeItem", "KnowledgeVersion", "Case", "CASE_STATUSES", "PRIORITIES",
           "ImportSource", "ReviewItem", "WatchedWord", "SiteSetting", "REVIEW_ACTIONS",
           "REVIEW_KINDS", "WATCH_ACTIONS"]
