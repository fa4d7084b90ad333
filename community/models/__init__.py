"""The community's tables; import models from here."""
from core.time import UTCDateTime, utcnow
from community.models.users import ANONYMOUS, AnonymousUser, ApiToken, ROLES, User
from community.models.content import Category, Post, Revision, Tag, Thread, Vote, thread_tags

__all__ = ["ANONYMOUS", "AnonymousUser", "ApiToken", "ROLES", "User", "Category", "Post",
           "Revision", "Tag", "Thread", "Vote", "thread_tags", "UTCDateTime", "utcnow"]
