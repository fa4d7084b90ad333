"""Who may do what: every view, API call, socket join, search result and export asks here.

Each `can_x(user, obj)` returns a Decision: truthy when allowed, falsy with a one-line reason.
`ensure(can_x, user, obj)` raises PermissionDenied with that reason. The visibility rule is
written once here, twice over: as predicates on loaded objects (`can_view_thread`) and as query
clauses (`visible_threads(viewer)`) for lists, search, exports and feeds.
"""
from sqlalchemy import and_, or_, true

from community.models import Post, Thread
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
    return ALLOW


def can_view_thread(user, thread) -> Decision:
    if thread.is_deleted and not user.is_staff:
        return deny("This thread has been deleted.")
    return ALLOW


def can_view_post(user, post, thread) -> Decision:
    if not can_view_thread(user, thread):
        return deny("This thread has been deleted.")
    if post.is_deleted and not user.is_staff:
        return deny("This post has been deleted.")
    # A draft (an agent's case resolution) is for staff and the asker only.
    if post.is_draft and not (user.is_staff or user.id == thread.author_id):
        return deny("This draft is visible to staff and the asker only.")
    return ALLOW


def visible_threads(viewer, include_deleted: bool = False):
    """Query clause over Thread: the threads `viewer` may see (as can_view_thread).

    Lists pass include_deleted=False: deleted threads are shown to staff on their own page
    (under a banner), never mixed into lists.
    """
    if viewer.is_staff and include_deleted:
        return true()
    return Thread.is_deleted.is_(False)


def visible_posts(viewer, include_deleted: bool = False):
    """Query clause over Post joined to its Thread: the posts `viewer` may see (as can_view_post).

    A thread page passes include_deleted=True (staff see deleted answers under a banner);
    lists and profiles leave deleted posts out for everyone.
    """
    live = and_(Thread.is_deleted.is_(False), Post.is_deleted.is_(False))
    if viewer.is_staff:
        return true() if include_deleted else live
    drafts = Post.is_draft.is_(False)
    if not viewer.is_anonymous_user:
        drafts = or_(drafts, Thread.author_id == viewer.id)
    return and_(live, drafts)


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
        return deny("Only the author or staff may edit this post.")
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
    return ALLOW


def can_vote(user, post, thread) -> Decision:
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
    return ALLOW


def can_accept(user, thread) -> Decision:
    if not (decision := is_active_member(user)):
        return decision
    if not (decision := is_live(None, thread)):
        return decision
    if thread.author_id == user.id or user.has_role("moderator", "support"):
        return ALLOW
    return deny("Only the asker, a moderator or a support agent may accept an answer.")


def can_restore_post(user, post, thread) -> Decision:
    if not (decision := is_active_member(user)):
        return decision
    if not user.has_role("moderator", "support"):
        return deny("Only staff may restore deleted posts.")
    if not post.is_deleted:
        return deny("This post is not deleted.")
    if not post.is_question and thread.is_deleted:
        return deny("Restore the question first: its thread is deleted.")
    return ALLOW


def can_read_event_log(user) -> Decision:
    if user.is_anonymous_user:
        return deny("You need to sign in first.")
    if not user.has_role("support"):
        return deny("The event log is for administrators and support staff.")
    return ALLOW


def can_manage_categories(user) -> Decision:
    if not user.has_role():  # admin only: has_role() with no roles is true for admin alone
        return deny("Only an administrator may manage categories.")
    return ALLOW


def can_see_email(user, subject) -> Decision:
    if user.is_anonymous_user:
        return deny("Sign in to see email addresses.")
    if user.id == subject.id or user.is_staff:
        return ALLOW
    return deny("Email addresses are private.")


def can_view_search_analytics(user) -> Decision:
    if user.is_anonymous_user:
        return deny("You need to sign in first.")
    if not user.is_staff:
        return deny("Search analytics are for moderators, support staff and administrators.")
    return ALLOW
