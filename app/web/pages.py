"""Read-only pages: home, thread lists, a thread, revisions, profiles."""
from flask import Response, abort, redirect, render_template, request, session, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from core.errors import BadRequest
from app.auth import session_identity
from app.web import bp, page_cache, revision_diffs
from app.web.reputation import profile_extras, thread_extras
from app.web.submissions import new_token
from community import home_queries, queries
from community.services.accounts import digest, stamps_equal
from community.viewcounts import record_view
from reputation import queries as reputation_queries
from core.database import parse_id

LIST_FILTERS = ("category", "tag", "status", "sort", "cursor")


def _thread_list(category=None, template="community/threads.html", extra=None, **context):
    """A list page; `extra()` adds context only when the page is rendered (not on a cache hit)."""
    cache_key = request.full_path if _cacheable(allow_query=True) and \
        not request.args.get("cursor") else None
    if cache_key and (html := page_cache.get_list(cache_key)):
        return html
    html = _render_list(category, template, **context, **(extra() if extra else {}))
    if cache_key:
        page_cache.put_list(cache_key, html)
    return html


def _render_list(category, template, **context):
    args = {k: request.args.get(k) or None for k in LIST_FILTERS}
    sort = args["sort"] or "newest"
    try:
        threads, next_cursor = queries.list_threads(
            current_user, category=category or args["category"], tag=args["tag"],
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
    return _thread_list(template="community/home.html", extra=lambda: {
        "categories": queries.categories(), "helpful": home_queries.most_helpful(current_user),
        "items": home_queries.newest_items(current_user)})


@bp.get("/threads")
def threads():
    return _thread_list()


@bp.get("/c/<slug>")
def category(slug):
    cat = queries.category_by_slug(slug)
    return _thread_list(category=cat.slug, current_category=cat)


@bp.get("/t/<int:thread_id>")
@bp.get("/t/<int:thread_id>/<slug>")
def thread(thread_id, slug=None):
    if (entry := _reader_hit(thread_id, slug)) is not None:
        record_view(thread_id)
        return _reader_page(entry)
    cacheable = _cacheable()
    if cacheable and (entry := page_cache.lookup(thread_id)) and entry.slug == slug:
        record_view(thread_id)
        return _anonymous_page(thread_id, entry)
    reader = _reader_print(thread_id)
    page = queries.thread_page(current_user, thread_id)
    if slug != page.thread.slug:
        return redirect(url_for("web.thread", thread_id=thread_id, slug=page.thread.slug), 301)
    token = page_cache.SUBMISSION_PLACEHOLDER if reader is not None else None
    html = render_template("community/thread.html", page=page, thread=page.thread,
                           answer_token=token, **thread_extras(page))
    version = page.thread.version
    record_view(thread_id)
    shown = {page.thread.author_id, *(a.author_id for a in page.answers)}
    if cacheable:
        return _anonymous_page(thread_id, page_cache.store(thread_id, version, slug, html, shown))
    if reader is not None:
        return _reader_page(page_cache.store_viewer(thread_id, current_user.id, reader, version,
                                                    slug, html, generate_csrf(), shown))
    return html


def _cacheable(allow_query: bool = False) -> bool:
    """An anonymous reader's plain request: the page is the same for every such reader."""
    return current_user.is_anonymous_user and (allow_query or not request.query_string) \
        and "_flashes" not in session


def _reader_print(thread_id: int) -> int | None:
    """For a signed-in reader's plain request, a fingerprint of their row: what their page's
    controls depend on (role, reputation, super-user, name). None when the page is not kept."""
    if current_user.is_anonymous_user or request.query_string or "_flashes" in session:
        return None
    page_cache.follow_log()  # before the render: what commits after it is applied to the page
    found = _reader_check(current_user.id, thread_id, current_user.sign_in_key or "")
    return found[1] if found else None


def _reader_check(user_id: int, thread_id: int, sign_in_key: str):
    """(session stamp, row fingerprint, thread version), queried at most once per request: a
    kept page found stale is rendered again with the same figures. None once signed out."""
    key, kept = (user_id, thread_id, sign_in_key), request.environ.get("commonplace.reader_check")
    if kept is None or kept[0] != key:  # kept with the request itself (g can outlive one)
        kept = request.environ["commonplace.reader_check"] = (
            key, queries.reader_and_version(user_id, thread_id, digest(sign_in_key)))
    return kept[1]


def _reader_hit(thread_id: int, slug: str | None):
    """The signed-in reader's kept page, checked in one query (their session stamp and row, the
    thread version) without loading the user; None sends the request down the usual path."""
    named = session_identity()
    if named is None or request.query_string or "_flashes" in session or \
            not page_cache.has_viewer(thread_id, named[0]):
        return None
    found = _reader_check(named[0], thread_id, named[2])
    if found is None or not stamps_equal(found[0], named[1]):
        return None
    entry = page_cache.lookup_viewer(thread_id, named[0], found[1], found[2])
    return entry if entry is not None and entry.slug == slug else None


def _reader_page(entry):
    return Response(page_cache.fill_tokens(entry, generate_csrf(), new_token()),
                    content_type="text/html; charset=utf-8")


def _anonymous_page(thread_id: int, entry):
    """Anonymous pages carry an ETag of the thread version, so phones revalidate for free."""
    etag = f'"t{thread_id}-v{entry.version}"'
    headers = {"ETag": etag, "Cache-Control": "public, no-cache", "Vary": "Cookie"}
    if etag in request.headers.get("If-None-Match", "").split(", "):
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
