"""`flask events ...`: follow the event log, run and replay its consumers, prune old events."""
import json
import time

import click
from flask import current_app
from flask.cli import AppGroup

from app.web import page_cache
from core import consumers
from core import events as log
from core.database import db

events_cli = AppGroup("events", help="The domain event log and its consumers.")


def _line(event) -> str:
    ids = " ".join(f"{k}={v}" for k, v in (("thread", event.thread_id), ("post", event.post_id),
                                           ("user", event.user_id), ("actor", event.actor_id))
                   if v is not None)
    return (f"{event.id:>8} {event.created_at:%Y-%m-%dT%H:%M:%SZ} {event.type:<20} {ids} "
            f"{json.dumps(event.data, separators=(',', ':'), sort_keys=True)}")


@events_cli.command("tail")
@click.option("-n", "--lines", default=20, show_default=True, help="How many recent events first.")
@click.option("--follow/--no-follow", default=True, show_default=True,
              help="Keep printing new events as they commit (Ctrl-C stops).")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between looks.")
def tail(lines, follow, interval):
    """Print the newest events, then follow the log."""
    after = max(0, log.last_id() - lines) if lines else log.last_id()
    while True:
        batch = log.since(after, limit=500)
        for event in batch:
            click.echo(_line(event))
        after = batch[-1].id if batch else after
        db.session.rollback()
        if not follow:
            return
        if len(batch) < 500:
            time.sleep(interval)


def _known(name: str) -> None:
    if name not in consumers.registered():
        known = ", ".join(sorted(consumers.registered())) or "none registered"
        raise click.BadParameter(f"unknown consumer {name!r} (known: {known})",
                                 param_hint="--consumer")


@events_cli.command("replay")
@click.option("--consumer", "name", required=True, help="The consumer to re-run.")
@click.option("--from", "from_id", type=click.IntRange(min=1), required=True,
              help="The first event id to hand it again.")
def replay(name, from_id):
    """Re-run a consumer from an event id (its handlers are idempotent)."""
    _known(name)
    consumers.seek(name, from_id - 1)
    handled = consumers.run_until_caught_up(name)
    click.echo(f"{name}: replayed {handled} events; now at {consumers.position(name)}")


@events_cli.command("run")
@click.option("--consumer", "names", multiple=True, help="Only these consumers (default: all).")
@click.option("--loop", is_flag=True, help="Keep running; Ctrl-C stops.")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between idle looks.")
def run(names, loop, interval):
    """Hand every consumer the events it has not handled yet (with --loop: keep doing so, each
    consumer on its own, through database and Redis outages)."""
    for name in names:
        _known(name)
    selected = names or sorted(consumers.registered())
    if not loop:
        for name in selected:
            handled = consumers.run_until_caught_up(name)
            click.echo(f"{name}: handled {handled} events; now at {consumers.position(name)}")
        return
    app = current_app._get_current_object()
    page_cache.listen()  # with REDIS_URL, a commit anywhere wakes the consumers at once
    consumers.serve(app, consumers.scheduler_for(app, interval, names), lambda: click.echo(
        "stopping: waiting for the consumers' current batches"))


@events_cli.command("consumers")
def list_consumers():
    """Each consumer's position and how far it is behind the log."""
    newest = log.last_id()
    for name in sorted(consumers.registered()):
        at = consumers.position(name)
        click.echo(f"{name:<24} at {at:>8}  behind {newest - at}")
    if not consumers.registered():
        click.echo("no consumers registered")


@events_cli.command("prune")
@click.option("--days", type=click.IntRange(min=0), default=None,
              help="Keep this many days (default: EVENT_RETENTION_DAYS).")
def prune(days):
    """Delete events past the retention that every consumer has handled."""
    click.echo(f"pruned {consumers.prune(days)} events")


@events_cli.command("receivers")
@click.argument("event_type", required=False)
def receivers(event_type):
    """What each event type (or EVENT_TYPE alone) sets off: receivers in the emitting
    transaction, after its commit, and the consumers that follow it in the log."""
    plan = log.fan_out()
    followers = {name: spec.types for name, spec in consumers.registered().items()}
    types = sorted({*plan, *(t for ts in followers.values() for t in ts)} - {log.ANY})
    if event_type and event_type not in types:
        raise click.BadParameter(f"no receiver or consumer knows {event_type!r} (known: "
                                 f"{', '.join(types)})", param_hint="EVENT_TYPE")
    for type_ in [event_type] if event_type else types:
        click.echo(type_)
        for stage in ("in transaction", "after commit"):
            for receiver in plan.get(type_, {}).get(stage, []) + plan.get(log.ANY, {}).get(stage, []):
                click.echo(f"  {stage:<15} {receiver}")
        for name, wanted in sorted(followers.items()):
            if not wanted or type_ in wanted:
                click.echo(f"  {'consumer':<15} {name}")
