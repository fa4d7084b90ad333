"""`flask search rebuild` (every registered rebuild step, with a progress bar) and
`flask search check [--repair]` (index vs database drift; non-zero exit on unrepaired drift)."""
import click
from flask.cli import AppGroup

from search import rebuild as rebuilding
from search.service import get_backend

search_cli = AppGroup("search", help="The search index: rebuild it, check it against the database.")


@search_cli.command("rebuild")
@click.option("--step", "names", multiple=True,
              help="Only these steps (default: all of them, in order).")
def rebuild(names):
    """Rebuild the search index (and any other registered step) from the database."""
    unknown = set(names) - set(rebuilding.steps)
    if unknown:
        raise click.BadParameter(f"no such step: {', '.join(sorted(unknown))}; "
                                 f"steps: {', '.join(rebuilding.steps)}", param_hint="--step")
    for step in rebuilding.steps.values():
        if names and step.name not in names:
            continue
        with click.progressbar(length=step.total() or 1, label=f"{step.name:<12}",
                               show_pos=True) as bar:
            done = step.run(bar.update)
        click.echo(f"{step.name}: {done} indexed ({get_backend().name} backend)"
                   if step.name == "lexical" else f"{step.name}: {done} done")


@search_cli.command("check")
@click.option("--repair", is_flag=True, help="Re-index missing and stale threads, drop extra ones.")
def check(repair):
    """Compare the index with the database: missing, stale and extra documents."""
    drift = rebuilding.check()
    for label, ids in (("missing", drift.missing), ("stale", drift.stale), ("extra", drift.extra)):
        shown = " ".join(map(str, ids[:20])) + (" …" if len(ids) > 20 else "")
        click.echo(f"{label}: {len(ids)}" + (f"  ({shown})" if ids else ""))
    if not drift:
        click.echo("the index matches the database")
        return
    if not repair:
        raise click.exceptions.Exit(1)
    rebuilding.repair(drift)
    click.echo("repaired" if not rebuilding.check() else "drift remains after repair")
