"""The site's moderation settings: an administrator's value kept in the database wins over the
configured default (the environment). Read once per request at most."""
from flask import current_app, has_request_context, request
from sqlalchemy import select

from community.models import SiteSetting
from core.database import db

# name → (lowest, highest) for whole numbers; REPUTATION_PRESET is a preset's name (or "",
# the configured privileges).
PRESET = "REPUTATION_PRESET"
SETTINGS = {
    "HOLD_FIRST_POSTS": (0, 100),
    "FLAG_HIDE_THRESHOLD": (1, 100),
    "NEW_MEMBER_REPUTATION": (0, 100000),
    "NEW_MEMBER_MAX_LINKS": (0, 100),
    "NEW_MEMBER_POSTS_PER_DAY": (0, 1000),
}
_KEY = "commonplace.site_settings"


def stored() -> dict[str, str]:
    """The rows, cached on the request (tests share one app context, so not on `g`)."""
    if has_request_context() and _KEY in request.environ:
        return request.environ[_KEY]
    rows = dict(db.session.execute(select(SiteSetting.name, SiteSetting.value)).all())
    if has_request_context():
        request.environ[_KEY] = rows
    return rows


def forget() -> None:
    if has_request_context():
        request.environ.pop(_KEY, None)


def setting(name: str) -> int:
    value = stored().get(name)
    if value is not None:
        try:
            return int(value)
        except ValueError:
            pass
    return int(current_app.config[name])


def preset() -> str:
    """The preset an administrator chose, else the configured one."""
    return stored().get(PRESET) or current_app.config.get(PRESET, "small")


def all_settings() -> dict:
    return {**{name: setting(name) for name in SETTINGS}, PRESET: preset()}
