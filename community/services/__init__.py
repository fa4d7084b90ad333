"""Every write in the community goes through these functions; web, API and CLI all call them."""
from community.services.accounts import (authenticate, create_or_update_user, issue_token,
                                         register_user, revoke_token, user_for_token)
from community.services.categories import create_category
from community.services.posts import create_answer, delete_post, edit_post, restore_post
from community.services.threads import create_thread, edit_thread
from community.services.votes import accept_answer, cast_vote

__all__ = ["authenticate", "create_or_update_user", "issue_token", "register_user",
           "revoke_token", "user_for_token", "create_category", "create_answer", "delete_post",
           "edit_post", "restore_post", "create_thread", "edit_thread", "accept_answer", "cast_vote"]
