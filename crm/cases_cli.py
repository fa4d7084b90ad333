"""`flask crm escalate-stale`: open, unanswered threads past their category's answer target
become support cases, escalated by the system (idempotent: a thread gets one case);
`flask crm answer-target`: set a category's target."""
import click
from flask import current_app
from sqlalchemy import select

from community import services
from community.models import User
from core.database import db
from core.errors import DomainError


@click.command("escalate-stale")
@click.option("--priority", type=click.Choice(["low", "normal", "high", "urgent"]),
              default="normal", show_default=True)
def escalate_stale(priority):
    """Escalate threads past their category's answer target."""
    hours = current_app.config["CASE_ANSWER_TARGET_HOURS"]
    made, seen = 0, set()
    while ids := [i for i in services.stale_threads(hours) if i not in seen]:
        for thread_id in ids:
            seen.add(thread_id)
            if services.escalate_as_system(
                    thread_id, "No answer within the category's answer target.", priority):
                made += 1
    click.echo(f"escalated {made} thread{'' if made == 1 else 's'}")


@click.command("answer-target")
@click.argument("slug")
@click.argument("hours", required=False, type=int)
def answer_target(slug, hours):
    """Set category SLUG's answer target in HOURS (leave HOURS out for the default)."""
    admin = db.session.scalar(select(User).where(User.role == "admin").order_by(User.id).limit(1))
    if admin is None:
        raise click.ClickException("no administrator account exists (users create --role admin)")
    try:
        category = services.set_answer_target(admin, slug, hours)
    except DomainError as exc:
        details = "; ".join(f"{k} {', '.join(v)}" for k, v in exc.errors.items()) or exc.detail
        raise click.ClickException(details) from None
    target = f"{hours} hours" if hours else \
        f"the default ({current_app.config['CASE_ANSWER_TARGET_HOURS']} hours)"
    click.echo(f"category {category.slug}: answer target {target}")
