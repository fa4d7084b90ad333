"""`flask reputation recompute`: rebuild totals and badges from the ledger; non-zero on drift."""
import click
from flask.cli import AppGroup

from reputation.recompute import recompute

reputation_cli = AppGroup("reputation", help="Reputation totals, badges and their ledger.")


@reputation_cli.command("recompute")
def recompute_command():
    """Rebuild every total and badge from the ledger; print any drift (exit 1 when found)."""
    drift = recompute()
    for user_id, name, was, should in drift.totals:
        click.echo(f"total drift: user {user_id} {name}: stored {was}, ledger says {should} "
                   f"(repaired)")
    for user_id, slug, scope in drift.awarded:
        click.echo(f"badge missing: user {user_id} {slug}{f' post {scope}' if scope else ''} "
                   f"(awarded)")
    for user_id, slug, _ in drift.revoked:
        click.echo(f"badge no longer held: user {user_id} {slug} (taken back)")
    click.echo(f"{len(drift.totals)} totals and {len(drift.awarded) + len(drift.revoked)} "
               f"badges drifted")
    if drift:
        raise SystemExit(1)
