"""Knowledge base pages: /kb (filter by category and tag), an item with its versions and
schema.org Article JSON-LD, one past version, and the staff review list of stale items."""
from flask import redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.web import bp
from community import knowledge_queries as kq
from community.knowledge import item_link_for_thread
from community.jsonld import article_document
from community.policies import can_review_knowledge, ensure
from core.database import parse_id


@bp.app_context_processor
def _knowledge_helpers():
    return {"knowledge_item_for": item_link_for_thread}


@bp.get("/kb")
def kb():
    category, tag = request.args.get("category") or None, request.args.get("tag") or None
    page = parse_id(request.args.get("page", "1"), 10_000) or 1
    items = kq.list_items(current_user, category=category, tag=tag,
                          offset=(page - 1) * kq.PAGE, limit=kq.PAGE + 1)
    return render_template("knowledge/list.html", items=items[:kq.PAGE], page=page,
                           more=len(items) > kq.PAGE, category=category, tag=tag,
                           categories=kq.categories_in_use())


@bp.get("/kb/<int:item_id>")
@bp.get("/kb/<int:item_id>-<slug>")
def kb_item(item_id, slug=None):
    item = kq.get_item(current_user, item_id)
    if slug != item.slug:
        return redirect(url_for("web.kb_item", item_id=item.id, slug=item.slug), 301)
    doc = kq.document(item)
    return render_template("knowledge/item.html", item=item, doc=doc, shown=item,
                           versions=kq.versions(item.id), jsonld=article_document(doc),
                           thread=kq.item_thread(item))


@bp.get("/kb/<int:item_id>-<slug>/v<int:number>")
def kb_version(item_id, slug, number):
    item, version = kq.get_version(current_user, item_id, number)
    doc = kq.document(item, version)
    return render_template("knowledge/item.html", item=item, doc=doc, shown=version,
                           versions=kq.versions(item.id), jsonld=None)


@bp.get("/staff/knowledge")
@login_required
def kb_review():
    ensure(can_review_knowledge, current_user)
    status = request.args.get("status") if request.args.get("status") in (
        "stale", "retired") else "stale"
    items = kq.list_items(current_user, status=status, limit=100)
    return render_template("knowledge/review.html", items=items, status=status)
