"""Who may do what: every view, API call, socket join, search result and export asks here.

Each `can_x(user, obj)` returns a Decision: truthy when allowed, falsy with a one-line reason.
`ensure(can_x, user, obj)` raises PermissionDenied with that reason. The visibility rule is
written once here, twice over: as predicates on loaded objects (`can_view_thread`) and as query
clauses (`visible_threads(viewer)`) for lists, search, exports and feeds.
"""
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, func, or_, select, true

from community.models import Post, Revision, Thread
from core.database import db
from core.time import utcnow
from community.models import KnowledgeItem
from core.errors import PermissionDenied


class Decision:
    __slots__ = ("allowed", "reason")

    def __init__(self, allowed: bool, reason: str = ""):
        self.allowed, self.reason = allowed, reason

    def __bool__(self) -> bool:
        return self.allowed

    def __repr__(self) -> str:
        return f"<Decision {'allow' if self.allowed else 'deny: ' + self.reason}>"


ALLOW = Decision(True)


def deny(reason: str) -> Decision:
    return Decision(False, reason)


def ensure(policy, user, *objects) -> None:
    decision = policy(user, *objects)
    if not decision:
        raise PermissionDenied(decision.reason or "You are not allowed to do that.")


def is_active_member(user) -> Decision:
    if user.is_anonymous_user:
        return deny("You need to sign in first.")
    if user.is_suspended:
        return deny("Your account is suspended.")
    if user.is_silenced:
        return deny("Your account is read-only for now: a moderator silenced it.")
    return ALLOW


def can_sign_in(user) -> Decision:
    if user.is_suspended:
        until = user.suspended_until.strftime("%Y-%m-%d %H:%M UTC")
        return deny(f"This account is suspended until {until}.")
    return ALLOW


def _held_from(user, author_id) -> bool:
    """Held or hidden content is seen by its author and staff only."""
    return not (user.is_staff or (not user.is_anonymous_user and user.id == author_id))


def can_view_thread(user, thread) -> Decision:
    if thread.is_deleted and not user.is_staff:
        return deny("This thread has been deleted.")
    if thread.is_hidden and _held_from(user, thread.author_id):
        return deny("This thread is waiting for a moderator.")
    return ALLOW


def can_mark_helpful(user, thread) -> Decision:
    """"This solved my problem": anyone who can read a solved thread, anonymous readers too."""
    if thread.is_deleted:
        return deny("This thread has been deleted.")
    if thread.status != "solved":
        return deny("Only a solved thread can be marked as the answer to your problem.")
    if getattr(user, "is_suspended", False):
        return deny("Your account is suspended.")
    return ALLOW


def can_view_post(user, post, thread) -> Decision:
    if not (decision := can_view_thread(user, thread)):
        return decision
    if post.is_deleted and not user.is_staff:
        return deny("This post has been deleted.")
    if post.is_hidden and _held_from(user, post.author_id):
        return deny("This post is waiting for a moderator.")
    # A draft (an agent's case resolution) is for staff and the asker only.
    if post.is_draft and not (user.is_staff or user.id == thread.author_id):
        return deny("This draft is visible to staff and the asker only.")
    return ALLOW


def visible_threads(viewer, include_deleted: bool = False):
    """Query clause over Thread: the threads `viewer` may see (as can_view_thread).

    Lists pass include_deleted=False: deleted threads are shown to staff on their own page
    (under a banner), never mixed into lists.
    """
    if viewer.is_staff:
        return true() if include_deleted else Thread.is_deleted.is_(False)
    shown = Thread.is_hidden.is_(False)
    if not viewer.is_anonymous_user:
        shown = or_(shown, Thread.author_id == viewer.id)
    return and_(Thread.is_deleted.is_(False), shown)


def visible_posts(viewer, include_deleted: bool = False):
    """Query clause over Post joined to its Thread: the posts `viewer` may see (as can_view_post).

    A thread page passes include_deleted=True (staff see deleted answers under a banner);
    lists and profiles leave deleted posts out for everyone.
    """
    live = and_(Thread.is_deleted.is_(False), Post.is_deleted.is_(False))
    if viewer.is_staff:
        return true() if include_deleted else live
    drafts = Post.is_draft.is_(False)
    shown = and_(Thread.is_hidden.is_(False), Post.is_hidden.is_(False))
    if not viewer.is_anonymous_user:
        drafts = or_(drafts, Thread.author_id == viewer.id)
        shown = and_(or_(Thread.is_hidden.is_(False), Thread.author_id == viewer.id),
                     or_(Post.is_hidden.is_(False), Post.author_id == viewer.id))
    return and_(live, drafts, shown)


def can_hear_of(user, thread, post=None) -> Decision:
    """Notifications: nobody hears of what they may not see, and deleted content (a thread deleted
    before delivery) notifies no one, staff included."""
    if not (decision := is_live(post, thread)):
        return decision
    if post is not None:
        return can_view_post(user, post, thread)
    return can_view_thread(user, thread)


def can_have_notifications(user) -> Decision:
    """A bell, its settings and its marks are a signed-in reader's own."""
    if user.is_anonymous_user:
        return deny("Sign in to see your notifications.")
    return ALLOW


def can_watch(user, thread=None) -> Decision:
    """Watching or muting a thread (one the reader may see), a category or a tag."""
    if user.is_anonymous_user:
        return deny("Sign in to watch or mute.")
    if thread is not None and not can_view_thread(user, thread):
        return deny("This thread has been deleted.")
    return ALLOW


def is_live(post, thread) -> Decision:
    """Deleted content is seen by staff, but nobody acts on it until it is restored."""
    if thread.is_deleted:
        return deny("This thread has been deleted.")
    if post is not None and post.is_deleted:
        return deny("This post has been deleted.")
    return ALLOW


def can_create_thread(user, category=None) -> Decision:
    return is_active_member(user)


def can_answer(user, thread) -> Decision:
    if not (decision := is_active_member(user)):
        return decision
    if not (decision := is_live(None, thread)):
        return decision
    if thread.is_locked and not user.has_role("moderator"):
        return deny("This thread is locked.")
    if thread.is_closed:
        return deny("This thread is closed to new answers.")
    return ALLOW


def can_edit_post(user, post, thread) -> Decision:
    if not (decision := is_active_member(user)):
        return decision
    if not can_view_post(user, post, thread):
        return deny("This post has been deleted.")
    if not (decision := is_live(post, thread)):
        return decision
    if user.has_role("moderator", "support"):
        return ALLOW
    if thread.is_locked:
        return deny("This thread is locked.")
    if post.author_id != user.id:
        return privilege(user, "edit_others")
    return ALLOW


def can_delete_post(user, post, thread) -> Decision:
    if not (decision := is_active_member(user)):
        return decision
    if not can_view_post(user, post, thread):
        return deny("This post is not visible.")
    if post.is_deleted:
        return deny("This post is already deleted.")
    if user.has_role("moderator", "support"):
        return ALLOW
    if post.author_id != user.id:
        return deny("Only the author or staff may delete this post.")
    if post.is_accepted or (post.is_question and thread.accepted_answer_id):
        return deny("A post with an accepted answer can only be deleted by staff.")
    if post.is_question and thread.answer_count:
        # Others' work hangs on it. Read from the thread's count (no query on the thread page):
        # an asker who answered themselves deletes that answer first.
        return deny("This question has answers, so only staff may delete it.")
    return ALLOW


def can_vote(user, post, thread, value: int = 1) -> Decision:
    """`value` 1 or -1 needs that privilege; retracting (0) never does."""
    if not (decision := is_active_member(user)):
        return decision
    if not can_view_post(user, post, thread):
        return deny("This post is not visible.")
    if not (decision := is_live(post, thread)):
        return decision
    if post.is_draft:
        return deny("A draft cannot be voted on.")
    if post.author_id == user.id:
        return deny("You cannot vote on your own post.")
    if thread.is_locked and not user.has_role("moderator"):
        return deny("This thread is locked.")
    if value:
        return privilege(user, "vote_up" if value > 0 else "vote_down")
    return ALLOW


def can_accept(user, thread) -> Decision:
    if not (decision := is_active_member(user)):
        return decision
    if not (decision := is_live(None, thread)):
        return decision
    if thread.author_id == user.id or user.has_role("moderator", "support"):
        return ALLOW
    if user.is_super_user:
        return _super_user_may_accept(user, thread)
    return deny("Only the asker, a moderator or a support agent may accept an answer.")


def _super_user_may_accept(user, thread) -> Decision:
    """A super-user may solve a thread whose asker has gone quiet (no post or edit in it)."""
    if thread.accepted_answer_id:
        return deny("The asker or staff may change an accepted answer.")
    days = current_app.config["SUPER_USER_ACCEPT_AFTER_DAYS"]
    last = db.session.scalar(select(func.max(Revision.created_at))
                             .join(Post, Post.id == Revision.post_id)
                             .where(Post.thread_id == thread.id,
                                    Revision.author_id == thread.author_id))
    if last is not None and last > utcnow() - timedelta(days=days):
        return deny(f"A super-user may accept once the asker has been silent for {days} days.")
    return ALLOW


def can_close(user, thread) -> Decision:
    """Close, reopen: moderators and super-users (and members with the close privilege)."""
    return can_mark_duplicate(user, thread)


def flag_weight(user, threshold: int) -> int:
    """How much one flag counts toward hiding a post: staff hide at once; super-users and
    members trusted to close threads count twice; everyone else once."""
    if user.is_staff:
        return threshold
    if user.is_super_user or user.reputation >= privilege_threshold("close"):
        return 2
    return 1


def can_restore_post(user, post, thread) -> Decision:
    """Staff restore any deleted post; an author undoes their own deletion within UNDELETE_HOURS
    (never a moderator's)."""
    if not (decision := is_active_member(user)):
        return decision
    staff = user.has_role("moderator", "support")
    if not staff and not is_own_deletion(user, post):
        return deny("Only staff may restore deleted posts.")
    if not post.is_deleted:
        return deny("This post is not deleted.")
    if not post.is_question and thread.is_deleted:
        return deny("Restore the question first: its thread is deleted.")
    if not staff and undelete_until(post) <= utcnow():
        return deny("The time to undo this deletion has passed; a moderator can still restore it.")
    return ALLOW


def is_own_deletion(user, post) -> bool:
    """A post its author deleted: they may still find it (to undo that), others may not."""
    return post.is_deleted and post.deleted_by_author and post.author_id == user.id


def undelete_until(post):
    """Until when the author may undo their deletion of `post`."""
    return post.deleted_at + timedelta(hours=current_app.config["UNDELETE_HOURS"])


def can_flag(user, post, thread) -> Decision:
    if not (decision := is_active_member(user)):
        return decision
    if not can_view_post(user, post, thread):
        return deny("This post is not visible.")
    if post.author_id == user.id:
        return deny("You cannot flag your own post.")
    return privilege(user, "flag")


def can_mark_duplicate(user, thread) -> Decision:
    if not (decision := is_active_member(user)):
        return decision
    if not (decision := is_live(None, thread)):
        return decision
    if user.has_role("moderator") or user.is_super_user:
        return ALLOW
    return privilege(user, "close")


def can_see_vote_targets(user, subject) -> Decision:
    """Which post a user voted down is theirs alone: votes stay anonymous to everyone else."""
    if not user.is_anonymous_user and user.id == subject.id:
        return ALLOW
    return deny("Which post someone voted on is private.")


def is_official(user) -> bool:
    """Answers by support staff (and admins) speak for the company."""
    return user.role in ("support", "admin")


def can_view_knowledge_item(user, item) -> Decision:
    # A retired item (un-solved or deleted thread) is kept for staff; readers no longer see it.
    if item.status == "retired" and not user.is_staff:
        return deny("This knowledge item has been retired.")
    return ALLOW


def visible_knowledge_items(viewer):
    """Query clause over KnowledgeItem: the items `viewer` may see (as can_view_knowledge_item)."""
    return true() if viewer.is_staff else KnowledgeItem.status != "retired"


# The staff tools' predicates and the privileges earned by reputation live beside this module
# (they build on the ones above) and are asked here like every other: `x as x` re-exports them.
from community.staff_policies import (  # noqa: E402
    is_moderator as is_moderator,
    can_review as can_review,
    can_moderate_user as can_moderate_user,
    can_change_role as can_change_role,
    can_find_users as can_find_users,
    can_manage_site as can_manage_site,
    can_read_event_log as can_read_event_log,
    can_manage_categories as can_manage_categories,
    can_see_email as can_see_email,
    can_manage_super_users as can_manage_super_users,
    can_read_audit_log as can_read_audit_log,
    can_review_knowledge as can_review_knowledge,
    can_manage_crm as can_manage_crm,
    can_escalate as can_escalate,
    can_view_case as can_view_case,
    can_publish_draft as can_publish_draft,
    can_view_search_analytics as can_view_search_analytics,
)
from community.privileges import (  # noqa: E402
    PRIVILEGES as PRIVILEGES,
    privilege as privilege,
    privilege_threshold as privilege_threshold,
    rights_key as rights_key,
    thresholds as thresholds,
)
