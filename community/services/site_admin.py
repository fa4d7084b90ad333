"""Administrators' site tools: watched words, categories renamed, reordered and retired (their
threads moved), and the moderation settings kept in the database."""
import re

from flask import current_app

from sqlalchemy import delete, func, select, update

from community import events
from community.models import (WATCH_ACTIONS, Category, KnowledgeItem, SiteSetting, Thread,
                              WatchedWord)
from community.policies import can_manage_categories, can_manage_site, ensure
from community.services.audit import record
from community.services.loading import _as_id, get_category
from community.settings import PRESET, SETTINGS, forget
from community.validation import Errors, clean_text
from core.database import db
from core.errors import NotFound, ValidationFailed
from core.transactions import transactional

_ONE_WORD = re.compile(r"\w{1,60}")


def add_watched_word(actor, word, action, replacement=None) -> WatchedWord:
    errors = Errors()
    word = clean_text(word, single_line=True).casefold() if isinstance(word, str) else ""
    if not _ONE_WORD.fullmatch(word):
        errors.add("word", "must be one word of 1-60 letters or digits")
    if action not in WATCH_ACTIONS:
        errors.add("action", f"must be one of {', '.join(WATCH_ACTIONS)}")
    replacement = clean_text(replacement, single_line=True) if isinstance(replacement, str) \
        else None
    if action == "replace" and not replacement:
        errors.add("replacement", "is required when the action is replace")
    if replacement and len(replacement) > 60:
        errors.add("replacement", "must be at most 60 characters")
    errors.raise_if_any()
    return _add_word(actor, word, action, replacement if action == "replace" else None)


@transactional
def _add_word(actor, word, action, replacement) -> WatchedWord:
    ensure(can_manage_site, actor)
    row = WatchedWord(word=word, action=action, replacement=replacement, created_by_id=actor.id)
    db.session.add(row)
    db.session.flush()  # a word already watched is a 409 (uq_watched_words_word)
    record(actor, "watched_word.added", row, "", word=word, watch=action)
    return row


@transactional
def remove_watched_word(actor, word_id) -> None:
    ensure(can_manage_site, actor)
    row = db.session.get(WatchedWord, _as_id(word_id, "watched word"))
    if row is None:
        raise NotFound(f"No watched word {word_id}.")
    record(actor, "watched_word.removed", row, "", word=row.word, watch=row.action)
    db.session.delete(row)


def watched_words(viewer) -> list[WatchedWord]:
    ensure(can_manage_site, viewer)
    return list(db.session.scalars(select(WatchedWord).order_by(WatchedWord.word)))


# ---- categories --------------------------------------------------------------------------------

def update_category(actor, slug, name=None, description=None, position=None) -> Category:
    errors = Errors()
    if name is not None:
        name = clean_text(name, single_line=True)
        if not 2 <= len(name) <= 80:
            errors.add("name", "must be 2-80 characters")
    if description is not None:
        description = clean_text(description)
        if len(description) > 2000:
            errors.add("description", "must be at most 2000 characters")
    if position is not None and (isinstance(position, bool) or not isinstance(position, int)
                                 or not -100000 <= position <= 100000):
        errors.add("position", "must be a whole number between -100000 and 100000")
    errors.raise_if_any()
    return _update_category(actor, slug, name, description, position)


@transactional
def _update_category(actor, slug, name, description, position) -> Category:
    ensure(can_manage_categories, actor)
    category = _category(slug)
    changed = {k: v for k, v in (("name", name), ("description", description),
                                 ("position", position))
               if v is not None and getattr(category, k) != v}
    for key, value in changed.items():
        setattr(category, key, value)
    if changed:
        record(actor, "category.updated", category, "", **changed)
        events.emit(events.CATEGORY_UPDATED, actor_id=actor.id, category_id=category.id,
                    changed=sorted(changed))
    return category


@transactional
def delete_category(actor, slug, move_to) -> Category:
    """Retire a category: its threads move to `move_to` first (required)."""
    ensure(can_manage_categories, actor)
    category = _category(slug)
    if not move_to:
        raise ValidationFailed({"move_to": ["is required: the category its threads move to"]})
    target = get_category(move_to, "move_to")
    if target.id == category.id:
        raise ValidationFailed({"move_to": ["must be another category"]})
    thread_ids = list(db.session.scalars(select(Thread.id).where(
        Thread.category_id == category.id).order_by(Thread.id).with_for_update()))
    db.session.execute(update(Thread).where(Thread.category_id == category.id)
                       .values(category_id=target.id, version=Thread.version + 1)
                       .execution_options(synchronize_session=False))
    db.session.execute(update(KnowledgeItem).where(KnowledgeItem.category_id == category.id)
                       .values(category_id=target.id).execution_options(synchronize_session=False))
    target.thread_count = db.session.scalar(select(func.count(Thread.id)).where(
        Thread.category_id == target.id, Thread.is_deleted.is_(False)))
    record(actor, "category.deleted", category, "", slug=category.slug, moved_to=target.slug,
           thread_ids=thread_ids)
    events.emit(events.CATEGORY_DELETED, actor_id=actor.id, category_id=category.id,
                slug=category.slug, moved_to=target.id, thread_ids=thread_ids)
    db.session.delete(category)
    return target


def _category(slug) -> Category:
    category = db.session.scalar(select(Category).where(Category.slug == str(slug)[:64]))
    if category is None:
        raise NotFound(f"No category '{str(slug)[:64]}'.")
    return category


# ---- moderation settings ------------------------------------------------------------------------

def save_settings(actor, values: dict) -> dict[str, int]:
    """Store the given settings (whole numbers in their ranges); unknown names are errors."""
    errors, clean = Errors(), {}
    for name, value in values.items():
        if name == PRESET:
            if value not in current_app.config.get("REPUTATION_PRESETS", {}):
                errors.add(name, "is not a preset: " + ", ".join(
                    current_app.config.get("REPUTATION_PRESETS", {})))
            else:
                clean[name] = value
            continue
        if name not in SETTINGS:
            errors.add(name, "is not a moderation setting")
            continue
        low, high = SETTINGS[name]
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            errors.add(name, f"must be a whole number from {low} to {high}")
        else:
            clean[name] = value
    errors.raise_if_any()
    _save_settings(actor, clean)
    forget()
    return clean


@transactional
def _save_settings(actor, values: dict) -> None:
    ensure(can_manage_site, actor)
    if not values:
        return
    db.session.execute(delete(SiteSetting).where(SiteSetting.name.in_(list(values))))
    db.session.add_all(SiteSetting(name=k, value=str(v)) for k, v in values.items())
    db.session.flush()
    record(actor, "settings.changed", actor, "", **values)
