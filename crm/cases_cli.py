"""`flask crm escalate-stale`: open, unanswered threads past their category's answer target
become support cases, escalated by the system (idempotent: a thread gets one case)."""
import click
from flask import current_app

from community import services


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
