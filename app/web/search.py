"""Search pages: results with safe snippets, filters, sorts and paging; the click redirect; and
the staff page of what people search for, click, and fail to find."""
import nh3
from flask import abort, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from app.extensions import limiter, search_rate_limit
from app.search_params import parse_search
from app.web import bp
from app.web.search_chart import analytics_chart
from community import queries
from community.policies import can_view_search_analytics, can_view_thread, ensure
from community.models import Thread
from core.database import db
from core.errors import BadRequest
from search import analytics
from search.service import search_page


def safe_snippet(html: str) -> Markup:
    # Backends return escaped text with <mark> only; sanitising again costs little and means
    # no backend bug can put a live tag on the page.
    return Markup(nh3.clean(html or "", tags={"mark"}, attributes={}))


@bp.get("/search")
@limiter.limit(search_rate_limit)
def search():
    try:
        params = parse_search(request.args)
    except BadRequest as exc:
        return render_template("search/results.html", params=None, errors=exc.errors,
                               q=request.args.get("q", "")[:200]), 400
    asked = params.q.strip() or params.category or params.tag or params.status
    result, rows = search_page(current_user, params.to_query()) if asked else (None, [])
    return render_template("search/results.html", params=params, result=result, rows=rows,
                           q=params.q, errors={}, categories=queries.categories(),
                           next_cursor=result and params.next_cursor(result.total),
                           **_links(params))


def _links(params) -> dict:
    """The page's URL builders: this search changed (paging restarts), and a result's click."""
    filters = params.model_dump(exclude={"limit", "cursor"}, exclude_defaults=True)

    def search_url(**changes):
        merged = {**filters, **changes}
        return url_for("web.search", **{k: v for k, v in merged.items() if v is not None})

    def click(thread_id):
        return url_for("web.search_click", t=analytics.click_token(params.q, thread_id))

    return {"search_url": search_url, "click": click, "snippet": safe_snippet}


@bp.get("/search/click")
def search_click():
    """Count a result's click (spooled, so this stays a read) and go to the thread; only our own
    thread URLs, from a token we signed."""
    found = analytics.read_click_token(request.args.get("t", ""))
    thread = found and db.session.get(Thread, found[1])
    if thread is None or not can_view_thread(current_user, thread):
        abort(404)
    analytics.record_click(found[0], thread.id, solved=thread.status == "solved")
    session[analytics.LED_FROM] = [thread.id, found[0]]
    return redirect(url_for("web.thread", thread_id=thread.id, slug=thread.slug), 303)


@bp.get("/staff/search")
@login_required
def search_analytics():
    ensure(can_view_search_analytics, current_user)
    days = request.args.get("days", "30")
    days = int(days) if days.isdigit() and 1 <= int(days) <= 365 else 30
    report = analytics.report(days)
    return render_template("search/analytics.html", report=report, days=days,
                           chart=analytics_chart(report["by_day"]))
