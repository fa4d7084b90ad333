"""Helpers for the notification tests: run the consumer, read a reader's bell, sign people in."""
from sqlalchemy import select

from app.notifications.models import Notification
from community import services
from community.models import User
from core import consumers
from core.database import db
from tests import factories
from tests.conftest import WebClient


def deliver() -> int:
    return consumers.run_until_caught_up("notifications")


def bell(user) -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                   .order_by(Notification.id)))


def unread(user) -> int:
    db.session.expire_all()
    return db.session.get(User, user.id).unread_notifications


def confirmed(username=None, role="member") -> User:
    """A member whose address is confirmed (notification mail may go to it)."""
    user = factories.user(role, username)
    services.mark_email_confirmed(user.id)
    db.session.expire_all()
    return db.session.get(User, user.id)


def browser(app, user) -> WebClient:
    web = WebClient(app.test_client())
    web.login(user.username)
    return web

