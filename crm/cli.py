"""`flask crm ...`: run the outbox relay (once or as a loop), list and retry outbox rows."""
import click
from flask import current_app
from flask.cli import AppGroup

from core import consumers
from core.scheduler import Scheduler
from crm import outbox, relay

crm_cli = AppGroup("crm", help="The CRM outbox and its relay.")


@crm_cli.command("sync")
@click.option("--loop", "forever", is_flag=True, help="Keep relaying (Ctrl-C stops).")
@click.option("--now", "now_too", is_flag=True,
              help="Also retry rows waiting out a backoff (after an outage).")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between idle looks.")
def sync(forever, now_too, interval):
    """Deliver the outbox rows that are due, then poll the CRM."""
    if forever:  # a task of the scheduler: a database or CRM error is retried, never the end
        click.echo("relaying (Ctrl-C stops)")
        app = current_app._get_current_object()
        scheduler = Scheduler(app)
        scheduler.add(relay.TASK, relay.Step(now_too), interval)
        consumers.serve(app, scheduler, lambda: click.echo("stopping: waiting for the current batch"))
        return
    counts = relay.run_once(now_too=now_too)
    polled = relay.poll()
    click.echo(_summary(counts) + (f"; {polled} changes from the CRM" if polled else ""))


@crm_cli.command("outbox")
@click.option("--status", type=click.Choice(["pending", "failed", "delivered", "dead"]))
@click.option("-n", "--limit", default=20, show_default=True)
def show(status, limit):
    """List the newest outbox rows."""
    for row in outbox.rows(status, limit):
        click.echo(f"{row.id:>7} {row.status:<9} {row.kind:<18} {row.aggregate:<16} "
                   f"attempts={row.attempts} {row.last_error or row.note or ''}")


@crm_cli.command("retry")
@click.argument("row_id", type=int, required=False)
@click.option("--dead", "all_dead", is_flag=True, help="Revive every dead row at once.")
def retry(row_id, all_dead):
    """Make a failed or dead row (or, with --dead, every dead row) due now."""
    if all_dead == (row_id is not None):
        raise click.UsageError("give a ROW_ID or --dead (not both)")
    if all_dead:
        click.echo(f"{relay.retry_dead()} dead rows are due again")
        return
    if not relay.retry(row_id):
        raise click.ClickException(f"row {row_id} is not failed or dead")
    click.echo(f"row {row_id} is due again")


def _summary(counts: dict) -> str:
    if not counts:
        return "nothing due"
    return ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
