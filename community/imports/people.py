"""Imported people: one account per source user, placeholders for absent authors. Usernames obey
the project's rule and never collide; emails are on a reserved domain that cannot be mailed;
the password hash is unusable, so nobody signs in as an imported user before a reset."""
import hashlib
import itertools
from dataclasses import dataclass
from datetime import datetime

from slugify import slugify
from sqlalchemy import select

from community import events
from community.imports.bulk import allocate_ids, insert_rows
from community.imports.run import ImportRun, UserRow, record_sources
from community.models import User, utcnow
from community.models.users import new_stamp
from community.validation import USERNAME, clean_text
from core.database import MAX_ID, db
from core.transactions import transactional

# Not an Argon2 hash: verifying any password against it fails (InvalidHashError).
UNUSABLE_PASSWORD = "!imported"
EMAIL_DOMAIN = "import.invalid"  # RFC 2606: .invalid never resolves, so never a real address
PLACEHOLDER_NAME = "Stack Exchange user"
_CHUNK = 500  # names per IN (...) lookup


@dataclass
class _NewUser:
    kind: str            # "user" or "placeholder"
    external_id: str
    display_name: str
    email: str
    candidates: list[str]
    reputation: int = 1
    created_at: datetime | None = None


def _base(display_name: str) -> str:
    base = slugify(display_name or "", max_length=20, word_boundary=False)
    return base if len(base) >= 3 else "se-user"


def _fit(base: str, suffix: str) -> str:
    return base[:max(0, 30 - len(suffix))] + suffix


def _account(run: ImportRun, row: UserRow) -> _NewUser:
    base, site = _base(row.display_name), run.site.key
    return _NewUser("user", row.external_id, row.display_name,
                    f"se-{site}-{row.external_id}@{EMAIL_DOMAIN}",
                    [base, _fit(base, f"-se{row.external_id}"),
                     _fit(base, f"-{site}{row.external_id}")],
                    max(1, min(row.reputation, MAX_ID)), row.created_at)


def _placeholder(run: ImportRun, name: str) -> _NewUser:
    base, site = _base(name or PLACEHOLDER_NAME), run.site.key
    digest = hashlib.sha256(name.encode()).hexdigest()[:12]
    return _NewUser("placeholder", name, name or PLACEHOLDER_NAME,
                    f"se-{site}-anon-{digest}@{EMAIL_DOMAIN}",
                    [base, _fit(base, f"-{site}"), _fit(base, f"-{site}-{digest[:6]}")])


def _taken(candidates: set[str]) -> set[str]:
    keys, taken = sorted({c.lower() for c in candidates}), set()
    for i in range(0, len(keys), _CHUNK):
        taken.update(db.session.scalars(select(User.username_key)
                                        .where(User.username_key.in_(keys[i:i + _CHUNK]))))
    return taken


def _pick_usernames(people: list[_NewUser]) -> list[str]:
    """The first free candidate of each (one query for the batch); numbered when all are taken."""
    taken = _taken({c for p in people for c in p.candidates})
    chosen = []
    for person in people:
        valid = [c for c in person.candidates if USERNAME.match(c)] or ["se-user"]
        name = next((c for c in valid if c.lower() not in taken), None) \
            or _numbered(valid[-1], taken)
        taken.add(name.lower())
        chosen.append(name)
    return chosen


def _numbered(base: str, taken: set[str]) -> str:
    for n in itertools.count(2):
        name = _fit(base, f"-{n}")
        if name.lower() not in taken and not _taken({name}):
            return name
    raise AssertionError("unreachable")  # pragma: no cover


def _insert(run: ImportRun, people: list[_NewUser]) -> list[int]:
    """Insert the accounts and their import_sources rows; returns the new users' ids."""
    if not people:
        return []
    names, now = _pick_usernames(people), utcnow()
    table = User.__table__
    ids = allocate_ids(table, len(people))
    insert_rows(table, [{"id": id_, "username": name, "username_key": name.lower(),
                         "email": p.email, "password_hash": UNUSABLE_PASSWORD, "role": "member",
                         "reputation": p.reputation, "is_super_user": False,
                         "suspended_until": None, "created_at": p.created_at or now,
                         "session_stamp": new_stamp()}
                        for id_, name, p in zip(ids, names, people)])
    for kind in ("user", "placeholder"):
        record_sources(run, kind, [(p.external_id, id_) for p, id_ in zip(people, ids)
                                   if p.kind == kind])
    events.emit(events.IMPORT_USERS, site=run.site.key, user_ids=ids)
    return ids


def _existing_emails(people: list[_NewUser]) -> set[str]:
    emails, found = sorted({p.email for p in people}), set()
    for i in range(0, len(emails), _CHUNK):
        found.update(db.session.scalars(select(User.email).where(User.email.in_(emails[i:i + _CHUNK]))))
    return found


@transactional
def import_users(run: ImportRun, rows: list[UserRow]) -> int:
    """Create the accounts of a batch of source users not imported before; returns how many."""
    seen, people = set(run.users), []
    for row in rows:
        if row.external_id in seen:
            run.counts["users already imported"] += 1
            continue
        seen.add(row.external_id)
        row.display_name = clean_text(row.display_name, single_line=True)[:120]
        people.append(_account(run, row))
    # An address taken by an account made some other way (by hand) leaves that user out.
    clash = _existing_emails(people)
    if clash:
        run.skip("user whose import address is already an account", len(clash))
        people = [p for p in people if p.email not in clash]
    created = len(_insert(run, people))
    run.counts["users imported"] += created
    return created


def author_ids(run: ImportRun, rows) -> list[int]:
    """Each post's author: the imported user, else a placeholder named after the display name
    the dump gives (one per name; one "Stack Exchange user" per site when it gives none).
    Missing placeholders are created in the caller's transaction."""
    def key(row) -> str | None:
        if row.owner_id is not None and row.owner_id in run.users:
            return None
        return clean_text(row.owner_name, single_line=True)[:120] if row.owner_name else ""

    keys = [key(row) for row in rows]
    missing = sorted({k for k in keys if k is not None and k not in run.placeholders})
    _insert(run, [_placeholder(run, name) for name in missing])
    run.counts["placeholder authors"] += len(missing)
    return [run.users[row.owner_id] if k is None else run.placeholders[k]
            for row, k in zip(rows, keys)]
