"""The policy matrix: who may do what to content in each state. Plain objects, no database."""
from datetime import datetime, timedelta, UTC
from types import SimpleNamespace

import pytest
from flask import Flask

from app.config import PRIVILEGE_PRESETS
from community import policies as p
from community.models import ANONYMOUS, User

AUTHOR, OTHER, ASKER = 10, 11, 12


def user(role="member", uid=OTHER, suspended=False):
    until = datetime.now(UTC) + timedelta(days=1) if suspended else None
    return User(id=uid, username=f"u{uid}", role=role, suspended_until=until, reputation=1,
                is_super_user=False)


@pytest.fixture(autouse=True)
def config():
    """Privileges read their thresholds from the app's config: the default `small` preset."""
    app = Flask(__name__)
    app.config["REPUTATION_PRIVILEGES"] = dict(PRIVILEGE_PRESETS["small"])
    app.config["UNDELETE_HOURS"] = 24
    with app.app_context():
        yield app.config


def thread(deleted=False, locked=False, accepted=None):
    return SimpleNamespace(id=1, author_id=ASKER, is_deleted=deleted, is_locked=locked,
                           accepted_answer_id=accepted, is_hidden=False, is_closed=False)


def post(deleted=False, draft=False, accepted=False, question=False, author=AUTHOR,
         by_author=False, hours_ago=1):
    deleted_at = datetime.now(UTC) - timedelta(hours=hours_ago) if deleted else None
    return SimpleNamespace(id=5, author_id=author, is_deleted=deleted, is_draft=draft,
                           is_accepted=accepted, is_question=question, thread_id=1,
                           is_hidden=False, deleted_at=deleted_at, deleted_by_author=by_author)


PEOPLE = {
    "anonymous": ANONYMOUS,
    "author": user(uid=AUTHOR),
    "asker": user(uid=ASKER),
    "member": user(),
    "suspended": user(suspended=True),
    "moderator": user("moderator"),
    "support": user("support"),
    "admin": user("admin"),
}
STATES = {
    "live": (post(), thread()),
    "locked": (post(), thread(locked=True)),
    "deleted post": (post(deleted=True), thread()),
    "deleted thread": (post(), thread(deleted=True)),
    "draft": (post(draft=True), thread()),
    "deleted by its author": (post(deleted=True, by_author=True), thread()),
    "deleted by its author long ago": (post(deleted=True, by_author=True, hours_ago=25),
                                       thread()),
}

# (policy, state) -> the people allowed; everyone else is refused with a reason.
MATRIX = {
    ("view", "live"): set(PEOPLE) - set(),
    ("view", "deleted post"): {"moderator", "support", "admin"},
    ("view", "deleted thread"): {"moderator", "support", "admin"},
    ("view", "draft"): {"asker", "moderator", "support", "admin"},
    ("answer", "live"): {"author", "asker", "member", "moderator", "support", "admin"},
    ("answer", "locked"): {"moderator", "admin"},
    ("answer", "deleted thread"): set(),
    ("edit", "live"): {"author", "moderator", "support", "admin"},
    ("edit", "locked"): {"moderator", "support", "admin"},
    ("edit", "deleted post"): set(),
    ("edit", "deleted thread"): set(),
    ("vote", "live"): {"asker", "member", "moderator", "support", "admin"},
    ("vote", "deleted post"): set(),
    ("vote", "deleted thread"): set(),
    ("vote", "draft"): set(),
    ("delete", "live"): {"author", "moderator", "support", "admin"},
    ("delete", "deleted post"): set(),
    ("accept", "live"): {"asker", "moderator", "support", "admin"},
    ("accept", "deleted thread"): set(),
    ("restore", "live"): set(),
    ("restore", "deleted post"): {"moderator", "support", "admin"},
    ("restore", "deleted by its author"): {"author", "moderator", "support", "admin"},
    ("restore", "deleted by its author long ago"): {"moderator", "support", "admin"},
}
CHECKS = {
    "view": lambda u, po, th: p.can_view_post(u, po, th),
    "answer": lambda u, po, th: p.can_answer(u, th),
    "edit": lambda u, po, th: p.can_edit_post(u, po, th),
    "vote": lambda u, po, th: p.can_vote(u, po, th),
    "delete": lambda u, po, th: p.can_delete_post(u, po, th),
    "accept": lambda u, po, th: p.can_accept(u, th),
    "restore": lambda u, po, th: p.can_restore_post(u, po, th),
}


@pytest.mark.parametrize("action,state", sorted(MATRIX))
def test_policy_matrix(action, state):
    po, th = STATES[state]
    for name, person in PEOPLE.items():
        decision = CHECKS[action](person, po, th)
        assert bool(decision) == (name in MATRIX[(action, state)]), (action, state, name)
        if not decision:
            assert decision.reason, (action, state, name)  # every refusal says why


def test_an_accepted_answer_is_deleted_by_staff_only():
    accepted = post(accepted=True)
    assert not p.can_delete_post(PEOPLE["author"], accepted, thread(accepted=5))
    assert p.can_delete_post(PEOPLE["moderator"], accepted, thread(accepted=5))


def test_an_answer_in_a_deleted_thread_waits_for_its_question():
    assert not p.can_restore_post(PEOPLE["moderator"], post(deleted=True), thread(deleted=True))
    question = post(deleted=True, question=True)
    assert p.can_restore_post(PEOPLE["moderator"], question, thread(deleted=True))


def test_the_event_log_is_for_admin_and_support():
    allowed = {n for n, u in PEOPLE.items() if p.can_read_event_log(u)}
    assert allowed == {"support", "admin"}
