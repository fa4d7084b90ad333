"""Every write in the community goes through these functions; web, API and CLI all call them."""
from community.services.accounts import (authenticate, create_named_token, create_or_update_user,
                                         issue_token, list_tokens, register_user, revoke_token,
                                         revoke_token_by_id, user_for_token)
from community.services.account_security import (confirm_email_change, mark_email_confirmed,
                                                 pending_email, request_email_confirmation,
                                                 request_password_reset, reset_password,
                                                 sign_out_everywhere, update_account)
from community.services.categories import create_category
from community.services.cases import (CaseChange, apply_case_change, case_change,
                                      case_for_thread, escalate, escalate_as_system,
                                      publish_draft, record_crm_ref, set_answer_target,
                                      stale_threads)
from community.services.lockout import SignInLocked
from community.services.sessions import end_session, open_session, session_user
from community.services.posts import create_answer, delete_post, edit_post, restore_post
from community.services.threads import create_thread, edit_thread
from community.services.votes import accept_answer, cast_vote

__all__ = ["authenticate", "create_named_token", "create_or_update_user", "issue_token",
           "list_tokens", "register_user", "revoke_token", "revoke_token_by_id",
           "user_for_token", "confirm_email_change", "mark_email_confirmed",
           "request_email_confirmation", "pending_email", "request_password_reset",
           "reset_password", "sign_out_everywhere", "update_account", "SignInLocked",
           "end_session", "open_session", "session_user",
           "create_category", "create_answer", "delete_post", "edit_post", "restore_post", "create_thread",
           "edit_thread", "accept_answer", "cast_vote", "CaseChange", "apply_case_change", "case_change",
           "case_for_thread",
           "escalate", "escalate_as_system", "publish_draft", "record_crm_ref", "set_answer_target", "stale_threads"]
