"""Read-only pages: home, thread lists, a thread, revisions, profiles."""
from flask import Response, abort, redirect, render_template, request, session, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from core.errors import BadRequest
from app.auth import session_identity
from app.web import bp, front_cache, overlay, page_cache, revision_diffs
from app.web.reputation import profile_extras, thread_extras
from app.web.submissions import new_token
from community import home_queries, queries
from community.services.accounts import digest, stamps_equal
from community.viewcounts import record_view
from reputation import queries as reputation_queries
from core.database import parse_id

LIST_FILTERS = ("category", "tag", "status", "sort", "cursor")


def _thread_list(category=None, template="community/threads.html", extra=None, watch=None,
                 **context):
    """A list page; `extra(viewer)` adds context only when the page is rendered (not on a cache
    hit). Anonymous readers share one rendering per URL; signed-in readers one per URL and
    rights (with their own parts filled in, as on thread pages), unless it is paged, filtered
    by a tag (its watch form is the reader's) or would show them a thread of theirs on hold."""
    extra = extra or (lambda viewer: {})
    first_page = not request.args.get("cursor")
    cache_key = request.full_path if _cacheable(allow_query=True) and first_page else None
    if cache_key and (html := page_cache.get_list(cache_key)):
        return html
    reader = _reader(0, watch) if first_page and not request.args.get("tag") else None
    if reader is not None and (program := page_cache.get_list(reader.list_key(request.full_path))):
        return _filled(program, reader)
    if reader is not None and not current_user.is_anonymous_user:
        viewer = current_user if reader.held else \
            overlay.SharedReader(current_user._get_current_object())
        html = _render_list(category, template, viewer, **context, **extra(viewer),
                            overlay=True, current_user=viewer)
        return _filled(page_cache.put_shared_list(reader.list_key(request.full_path), html,
                                                  generate_csrf()), reader)
    html = _render_list(category, template, current_user, **context, **extra(current_user))
    if cache_key:
        page_cache.put_list(cache_key, html)
    return html


def _render_list(category, template, viewer, **context):
    args = {k: request.args.get(k) or None for k in LIST_FILTERS}
    sort = args["sort"] or "newest"
    try:
        threads, next_cursor = queries.list_threads(
            viewer, category=category or args["category"], tag=args["tag"],
            status=args["status"], sort=sort, limit=20, cursor=args["cursor"])
    except BadRequest as exc:
        abort(400, exc.detail)
    filters = {k: v for k, v in args.items() if v and k != "cursor"}

    def list_url(**changes):
        """This list's URL with some filters changed (None removes one); paging restarts."""
        params = {**(request.view_args or {}), **filters, **changes}
        return url_for(request.endpoint, **{k: v for k, v in params.items() if v is not None})

    return render_template(template, threads=threads, next_cursor=next_cursor, sort=sort,
                           filters=filters, list_url=list_url, **context)


@bp.get("/")
def home():
    return _thread_list(template="community/home.html", extra=lambda viewer: {
        "categories": queries.categories(), "helpful": home_queries.most_helpful(viewer),
        "items": home_queries.newest_items(viewer)})


@bp.get("/threads")
def threads():
    return _thread_list()


@bp.get("/c/<slug>")
def category(slug):
    cat = queries.category_by_slug(slug)
    return _thread_list(category=cat.slug, current_category=cat, watch=("category", cat.id))


@bp.get("/t/<int:thread_id>")
@bp.get("/t/<int:thread_id>/<slug>")
def thread(thread_id, slug=None):
    reader = _reader(thread_id)
    if reader is not None and (entry := page_cache.lookup_shared(
            reader.key(thread_id), reader.version)) and entry.slug == slug:
        record_view(thread_id)
        return _filled(entry.body, reader)
    cacheable = _cacheable()
    if cacheable and (entry := page_cache.lookup(thread_id)) and entry.slug == slug:
        record_view(thread_id)
        return _anonymous_page(thread_id, entry)
    if reader is not None and current_user.is_anonymous_user:
        reader = None  # the session named someone Flask-Login no longer signs in
    # A signed-in reader's page is rendered as one every reader with their rights can share,
    # with their own parts as slots: as nobody in particular unless they wrote in the thread.
    # The user itself, not Flask-Login's proxy: a page asks the policies about it ~100 times.
    me = current_user._get_current_object()
    viewer = me if reader is None or reader.authored else overlay.SharedReader(me)
    page = queries.thread_page(viewer, thread_id)
    if slug != page.thread.slug:
        return redirect(url_for("web.thread", thread_id=thread_id, slug=page.thread.slug), 301)
    shared = {"overlay": True, "current_user": viewer, "answer_token": overlay.slot("sub")} \
        if reader is not None else {}
    html = render_template("community/thread.html", page=page, thread=page.thread,
                           **thread_extras(page, viewer, shared=reader is not None), **shared)
    record_view(thread_id)
    shown = {page.thread.author_id, *(a.author_id for a in page.answers)}
    if cacheable:
        return _anonymous_page(thread_id, page_cache.store(
            thread_id, page.thread.version, slug, html, shown))
    if reader is not None:
        return _filled(page_cache.store_shared(
            reader.key(thread_id), reader.version, slug, html, generate_csrf(), shown).body, reader)
    return html


def _cacheable(allow_query: bool = False) -> bool:
    """An anonymous reader's plain request: the page is the same for every such reader."""
    return current_user.is_anonymous_user and (allow_query or not request.query_string) \
        and "_flashes" not in session


def _reader(thread_id: int, watch: tuple[str, int] | None = None):
    """A signed-in reader's plain request: who they are and what their page needs, in one query
    that does not load the user (overlay.read); None when the page is not shared. A list (thread
    0, its query string allowed) names the target of its watch form."""
    named = session_identity()
    if named is None or (thread_id and request.query_string) or "_flashes" in session:
        return None
    page_cache.follow_log()  # before the render: what commits after it is applied to the page
    handed = request.environ.get(front_cache.READER)  # read in front: its page was not kept
    if handed is not None and handed[0] == thread_id and handed[1].user_id == named[0]:
        found = handed[1]
    else:
        found = overlay.read(named[0], thread_id, digest(named[2]), watch=watch)
    return found if found is not None and stamps_equal(found.stamp, named[1]) else None


def _filled(program, reader):
    body = program.fill(reader.values(generate_csrf(), new_token()), reader.chosen())
    return Response(body, content_type="text/html; charset=utf-8")


def _anonymous_page(thread_id: int, entry):
    """Anonymous pages carry an ETag of the thread version, so phones revalidate for free (the
    next such request is answered in front of Flask: app/web/front_cache.py)."""
    headers = front_cache.page_headers(thread_id, entry.version)
    if headers["ETag"] in request.headers.get("If-None-Match", "").split(", "):
        return Response(status=304, headers=headers)
    return Response(entry.body, headers=headers, content_type="text/html; charset=utf-8")


REVISIONS_PER_PAGE = 20


@bp.get("/posts/<int:post_id>/revisions")
def revisions(post_id):
    """Newest first, 20 a page, each a diff against the revision before it; ?before=<rev> pages."""
    post, thread = queries.visible_post(current_user, post_id)
    before = _revision_cursor(request.args.get("before"), post.revision_count)
    after = max(0, before - REVISIONS_PER_PAGE - 2)  # one more than the page: the diff's base
    rows = queries.revisions(current_user, post_id, limit=before - 1 - after, after=after)
    base = rows.pop(0) if len(rows) > REVISIONS_PER_PAGE else None
    entries = revision_diffs.history(rows, previous=base)
    oldest = rows[0].rev if rows else 1
    return render_template("community/revisions.html", post=post, thread=thread,
                           entries=list(reversed(entries)),
                           next_before=oldest if oldest > 1 else None)


def _revision_cursor(raw: str | None, count: int) -> int:
    """The page's upper bound (exclusive): newest first, so the first page is count + 1."""
    if raw is None:
        return count + 1
    number = parse_id(raw)
    if number is None or not 2 <= number <= count + 1:
        abort(400, "That history page does not exist; start again from the newest revision.")
    return number


@bp.get("/u/<int:user_id>")
@bp.get("/u/<int:user_id>/<username>")
def profile(user_id, username=None):
    user = queries.user_by_id(user_id)
    threads, answers = queries.user_activity(current_user, user)
    ledger, _ = reputation_queries.history(user.id, limit=10)
    return render_template("auth/profile.html", user=user, threads=threads, answers=answers,
                           ledger=ledger, is_private=reputation_queries.is_private,
                           **profile_extras(user))
