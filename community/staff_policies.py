"""Who may use the staff tools: moderation, the review queue, user and site administration, the
event and audit logs, knowledge review, the CRM and cases, search analytics. Part of the one
policy module: community.policies re-exports every predicate here, and callers ask it there."""
from community.policies import ALLOW, Decision, deny, is_active_member, is_live


def is_moderator(user) -> Decision:
    """The review queue and the thread and user actions are for moderators (and admins)."""
    if not (decision := is_active_member(user)):
        return decision
    if not user.has_role("moderator"):
        return deny("Only moderators may do that.")
    return ALLOW


def can_review(user) -> Decision:
    return is_moderator(user)


def can_moderate_user(user, subject) -> Decision:
    """Suspend, silence, delete as spam: moderators, never on themselves or on staff (an
    administrator may act on moderators and support staff, never on another administrator)."""
    if not (decision := is_moderator(user)):
        return decision
    if subject.id == user.id:
        return deny("You cannot do that to your own account.")
    if subject.role == "admin" or (subject.is_staff and user.role != "admin"):
        return deny("Staff accounts are managed by an administrator.")
    return ALLOW


def can_change_role(user, subject) -> Decision:
    if not user.has_role() or user.is_anonymous_user:
        return deny("Only an administrator may change roles.")
    if subject.id == user.id:
        return deny("You cannot change your own role.")
    return ALLOW


def can_find_users(user) -> Decision:
    if user.is_anonymous_user:
        return deny("You need to sign in first.")
    if not user.is_staff:
        return deny("Finding users is for staff.")
    return ALLOW


def can_manage_site(user) -> Decision:
    """Watched words and the moderation settings: administrators."""
    if user.is_anonymous_user or not user.has_role():
        return deny("Only an administrator may change that.")
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


def can_manage_super_users(user) -> Decision:
    """Moderators (and admins) see nominations and grant or revoke super-user status."""
    if user.is_anonymous_user:
        return deny("You need to sign in first.")
    if not user.has_role("moderator"):
        return deny("Only moderators may manage super-users.")
    return ALLOW


def can_read_audit_log(user) -> Decision:
    if user.is_anonymous_user:
        return deny("You need to sign in first.")
    if not user.has_role("moderator"):
        return deny("The audit log is for moderators and administrators.")
    return ALLOW


def can_review_knowledge(user) -> Decision:
    if not user.is_staff:
        return deny("Knowledge review is for staff.")
    return ALLOW


def can_manage_crm(user) -> Decision:
    if user.is_anonymous_user:
        return deny("You need to sign in first.")
    if not user.has_role("support", "moderator"):
        return deny("CRM records are for staff.")
    return ALLOW


def can_escalate(user, thread) -> Decision:
    if not (decision := is_active_member(user)):
        return decision
    if not user.has_role("moderator", "support"):
        return deny("Only support agents and moderators may escalate a thread to a case.")
    return is_live(None, thread)


def can_view_case(user, thread) -> Decision:
    if user.is_anonymous_user:
        return deny("You need to sign in first.")
    if user.id == thread.author_id or user.has_role("moderator", "support"):
        return ALLOW
    return deny("A support case is seen by the asker and staff only.")


def can_publish_draft(user, post, thread) -> Decision:
    if not (decision := is_active_member(user)):
        return decision
    if not user.has_role("moderator", "support"):
        return deny("Only staff may publish a draft answer.")
    if not post.is_draft:
        return deny("This answer is already published.")
    return is_live(post, thread)


def can_view_search_analytics(user) -> Decision:
    if user.is_anonymous_user:
        return deny("You need to sign in first.")
    if not user.is_staff:
        return deny("Search analytics are for moderators, support staff and administrators.")
    return ALLOW
