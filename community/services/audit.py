"""The audit log's one writer: `record(...)` inside any service transaction."""
from community.models import AuditEntry
from core.database import db
from core.errors import ValidationFailed
from community.validation import clean_text

REASON_MAX = 500


def clean_reason(reason, required: bool = True) -> str:
    """A moderator's reason: one line, at most 500 characters; required where it is the record."""
    text = clean_text(reason, single_line=True) if isinstance(reason, str) else ""
    if required and not text:
        raise ValidationFailed({"reason": ["is required: say why, for the audit log"]})
    if len(text) > REASON_MAX:
        raise ValidationFailed({"reason": [f"must be at most {REASON_MAX} characters"]})
    return text


def record(actor, action: str, target, reason: str = "", **data) -> AuditEntry:
    """Write one audit entry in the caller's transaction; `target` is any row with an id."""
    entry = AuditEntry(actor_id=getattr(actor, "id", None), action=action,
                       target_type=type(target).__name__.lower(), target_id=target.id,
                       reason=reason, data=data)
    db.session.add(entry)
    return entry
