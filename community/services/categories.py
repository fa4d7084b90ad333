"""Categories: created by administrators."""
from sqlalchemy import select

from core.errors import Conflict
from community import events
from core.database import db
from community.models import Category
from community.policies import can_manage_categories, ensure
from core.transactions import transactional
from community.validation import Errors, clean_text, make_slug


@transactional
def create_category(actor, name, slug=None, description="", position: int = 0) -> Category:
    ensure(can_manage_categories, actor)
    errors = Errors()
    name = clean_text(name, single_line=True)
    if not 2 <= len(name) <= 80:
        errors.add("name", "must be 2-80 characters")
    slug = make_slug(clean_text(slug) if slug else name, fallback="", max_length=64)
    if not slug:
        errors.add("slug", "must contain letters or digits")
    description = clean_text(description)
    if len(description) > 2000:
        errors.add("description", "must be at most 2000 characters")
    errors.raise_if_any()
    if db.session.scalar(select(Category.id).where(Category.slug == slug)):
        raise Conflict(f"A category with slug '{slug}' already exists.", {"slug": ["is taken"]})
    category = Category(name=name, slug=slug, description=description, position=position)
    db.session.add(category)
    db.session.flush()
    events.emit(events.CATEGORY_CREATED, actor_id=actor.id, category_id=category.id, slug=slug)
    return category
