"""Notifications: the bell, watching, mail and digests, all fed by the event log.

It lives in the app layer, not the domain, because it mails (app.mail: templates, SMTP) and
serves pages; the rules it follows stay below it (who may see what: community.policies).
Modules: models, kinds (defaults, texts), recipients (who hears of what), consumer (the
`notifications` consumer and the `on_created` hook for live bells), service (every write),
mailing (immediate mail, digests, one-click unsubscribe), views (pages), cli.
"""
import click
from flask.cli import AppGroup

from app.notifications import models  # noqa: F401  (registers the tables)

notifications_cli = AppGroup("notifications", help="Notification mail.")


@notifications_cli.command("digest")
@click.option("--period", type=click.Choice(["daily", "weekly"]), default="daily",
              show_default=True, help="Whose digests: readers who chose this period.")
def digest(period):
    """Send each reader one mail with their pending digest items (never the same item twice)."""
    from app.notifications.mailing import send_digests
    click.echo(f"sent {send_digests(period)} {period} digests")


def init_app(app) -> None:
    from app.notifications import consumer  # noqa: F401  (registers the consumer)
    from app.notifications import kinds, mailing, views
    from core.consumers import every
    app.register_blueprint(views.bp)
    app.context_processor(views.watch_form_context)
    app.cli.add_command(notifications_cli)
    for period in kinds.DIGEST_PERIODS:
        every(f"notifications.digest.{period}", kinds.DIGEST_SECONDS[period])(
            lambda period=period: mailing.send_digests(period))
