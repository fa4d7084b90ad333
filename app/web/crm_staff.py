"""Staff CRM pages: the outbox (pending, failed, dead rows; retry), and a member's contact
timeline (questions asked, knowledge items linked, cases) with the explicit contact link."""
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from app.web import bp
from community.policies import can_manage_crm, ensure
from core.database import db
from crm import contacts, outbox, relay
from crm.models import OutboxRow

STATUSES = ("pending", "failed", "dead", "delivered")


@bp.app_context_processor
def _crm_helpers():
    return {"crm_link": contacts.contact_link}


@bp.get("/staff/crm/outbox")
@login_required
def crm_outbox():
    ensure(can_manage_crm, current_user)
    status = request.args.get("status") if request.args.get("status") in STATUSES else None
    counts = dict(db.session.execute(select(OutboxRow.status, func.count(OutboxRow.id))
                                     .group_by(OutboxRow.status)).all())
    rows = outbox.rows(status, 100)
    return render_template("crm/outbox.html", rows=rows, status=status, counts=counts,
                           statuses=STATUSES, waiting=outbox.waiting_on(rows))


@bp.post("/staff/crm/outbox/<int:row_id>/retry")
@login_required
def crm_retry(row_id):
    if relay.retry(row_id, actor=current_user):
        flash(f"Row {row_id} will be delivered again.", "success")
    else:
        flash(f"Row {row_id} is not failed or dead; nothing to retry.", "error")
    return redirect(url_for("web.crm_outbox", status=request.form.get("status") or None))


@bp.post("/staff/crm/outbox/retry-dead")
@login_required
def crm_retry_dead():
    revived = relay.retry_dead(actor=current_user)
    flash(f"{revived} dead rows will be delivered again.", "success")
    return redirect(url_for("web.crm_outbox"))


@bp.get("/staff/crm/contacts/<int:user_id>")
@login_required
def crm_contact(user_id):
    return render_template("crm/contact.html", **contacts.timeline(current_user, user_id))


@bp.post("/staff/crm/contacts/<int:user_id>/link")
@login_required
def crm_link_contact(user_id):
    external_id = request.form.get("external_id", "")
    contacts.link_contact(current_user, user_id, external_id)
    flash("Contact link saved; it is synced with the CRM shortly.", "success")
    return redirect(url_for("web.crm_contact", user_id=user_id))
