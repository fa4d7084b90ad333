"""Staff pages: the domain event log (admin and support), newest first, paged."""
from flask import render_template, request
from flask_login import current_user, login_required

from app.web import bp
from community import queries
from community.policies import can_read_event_log, ensure
from core import events as log
from core.database import parse_id

PAGE = 50


@bp.get("/staff/events")
@login_required
def event_log():
    ensure(can_read_event_log, current_user)
    before = parse_id(request.args.get("before")) or log.last_id() + 1
    start = max(0, before - 1 - PAGE)
    feed = queries.event_feed(current_user, start, PAGE)
    older = start if start > 0 else None
    return render_template("community/events.html", events=list(reversed(feed)), older=older)
