"""Command-line groups: `users create`, `seed demo` (and Flask-Migrate's `db upgrade`)."""
import click
from flask import Flask
from flask.cli import AppGroup

from core.errors import DomainError
from community import services

users = AppGroup("users", help="Manage accounts.")
seed = AppGroup("seed", help="Fill the database with example content.")


@users.command("create")
@click.argument("username")
@click.argument("email")
@click.option("--password", required=True, help="At least 8 characters.")
@click.option("--role", type=click.Choice(["member", "moderator", "support", "admin"]),
              default="member", show_default=True)
def users_create(username, email, password, role):
    """Create an account, or update the one with this USERNAME (idempotent)."""
    try:
        user, created = services.create_or_update_user(username, email, password, role)
        services.mark_email_confirmed(user.id)  # an operator made it: the address is theirs
    except DomainError as exc:
        details = "; ".join(f"{k} {', '.join(v)}" for k, v in exc.errors.items()) or exc.detail
        raise click.ClickException(details) from None
    click.echo(f"{'created' if created else 'updated'} user {user.id} {user.username} ({user.role})")


@seed.command("demo")
def seed_demo():
    """Seed a demo community, only into an empty embedded (SQLite) database."""
    from flask import current_app
    from app.demo import seed_demo_community
    if not current_app.config.get("EMBEDDED_DATABASE"):
        click.echo("DATABASE_URL is set: demo accounts (with a published password) are only "
                   "seeded into the embedded SQLite default; nothing seeded")
        return
    created = seed_demo_community()
    click.echo("seeded the demo community" if created else "database is not empty; nothing seeded")


def init_app(app: Flask) -> None:
    from app.cli_events import events_cli
    from app.cli_reputation import reputation_cli
    app.cli.add_command(events_cli)
    app.cli.add_command(reputation_cli)
    from app.cli_knowledge import knowledge_cli
    app.cli.add_command(knowledge_cli)
    app.cli.add_command(users)
    app.cli.add_command(seed)
    from app.cli_import import import_cli
    app.cli.add_command(import_cli)
