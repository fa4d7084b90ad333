"""What the CRM tells us: webhook ids already received (replays are refused) and how far the
poll of the CRM's changed cases has read."""
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from core.database import db
from core.time import UTCDateTime, utcnow


class WebhookReceipt(db.Model):
    """A `webhook-id` seen on POST /crm/events; kept a day, far past the 5-minute window."""

    __tablename__ = "crm_webhook_receipts"

    webhook_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    received_at = mapped_column(UTCDateTime, default=utcnow, index=True)


class SyncMark(db.Model):
    """A poll's high-water mark: the newest change time it has applied, per connector."""

    __tablename__ = "crm_sync_marks"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    polled_until = mapped_column(UTCDateTime, nullable=True)
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
