"""The community's tables; import models from here."""
from core.time import UTCDateTime, utcnow
from community.models.users import (ANONYMOUS, AccountToken, AnonymousUser, ApiToken, ROLES,
                                    SignInThrottle, User)
from community.models.content import Category, Post, Revision, Tag, Thread, Vote, thread_tags

__all__ = ["ANONYMOUS", "AccountToken", "AnonymousUser", "ApiToken", "SignInThrottle", "ROLES",
           "User", "Category", "Post", "Revision", "Tag", "Thread", "Vote", "thread_tags", "UTCDateTime", "utcnow"]
